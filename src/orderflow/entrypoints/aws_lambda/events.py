"""What a Lambda function is invoked with, as messages for the handling core.

- an SQS batch (an event source mapping): ``{"Records": [{"messageId", "receiptHandle",
  "body", "attributes": {"ApproximateReceiveCount"}, "eventSource": "aws:sqs"}, ...]}``;
  its failures are reported per message (``batchItemFailures``);
- an EventBridge event, the rule invoking the function directly: the event itself
  (``id``, ``source``, ``detail-type``, ``detail``), one message whose body is that
  event, as a queue target would have carried it; a failure is raised, so that Lambda
  retries the invocation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from orderflow.errors import OrderflowError
from orderflow.runtime.transport import Message

SQS_SOURCE = "aws:sqs"


class UnsupportedEvent(OrderflowError):
    """The function was invoked with neither an SQS batch nor an EventBridge event."""


@dataclass(frozen=True)
class Invocation:
    messages: list[Message]
    direct: bool
    """An EventBridge event: a failure is raised (Lambda retries), not reported."""


def invocation(event: object) -> Invocation:
    """The messages of ``event``; ``UnsupportedEvent`` for any other shape."""
    if isinstance(event, Mapping):
        records = event.get("Records")
        if isinstance(records, list):
            return Invocation([_sqs_message(record) for record in records], direct=False)
        if isinstance(event.get("detail-type"), str) and isinstance(event.get("id"), str):
            body = orjson.dumps(event).decode()
            return Invocation([Message(event["id"], "", body)], direct=True)
    raise UnsupportedEvent(
        "expected an SQS batch (Records) or an EventBridge event (id, detail-type, detail)"
    )


def _sqs_message(record: object) -> Message:
    if not isinstance(record, Mapping) or record.get("eventSource") != SQS_SOURCE:
        raise UnsupportedEvent("a record that is not an SQS message (eventSource aws:sqs)")
    attributes: Mapping[str, Any] = record.get("attributes") or {}
    return Message(
        str(record["messageId"]),
        str(record.get("receiptHandle", "")),
        str(record["body"]),
        int(attributes.get("ApproximateReceiveCount", "1")),
    )
