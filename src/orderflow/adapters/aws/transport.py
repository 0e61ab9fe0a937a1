"""``AwsTransport``: the services' events over Amazon SQS and EventBridge, through boto3.

At least once, by the AWS APIs' own rules: ReceiveMessage long-polls and hands out
receipt handles, DeleteMessageBatch acknowledges (the runtime calls it only after the
state transaction that handled the messages committed), ChangeMessageVisibility puts
a failed message off by its backoff, and the queue's redrive policy moves a message
received too often to its DLQ. PutEvents answers per entry; the relay marks an outbox
row published only for an entry that got an event id.

Queues are named as the runtime names them; their URLs are asked for once
(GetQueueUrl) and kept. botocore retries throttling and transient network errors
itself (standard mode); what still fails is a ``TransportError`` (the endpoint
answered with a refusal) or ``TransportUnavailable`` (no answer).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

from orderflow.adapters.aws.clients import (
    AwsConnection,
    EndpointUnreachable,
    transient,
    translated,
)
from orderflow.eventbus.errors import AwsError
from orderflow.runtime.transport import (
    Message,
    PublishedEntry,
    TransportError,
    TransportUnavailable,
)

RECEIVE_COUNT: Final = "ApproximateReceiveCount"
GONE: Final = frozenset(
    {
        "ReceiptHandleIsInvalid",
        "MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
    }
)
"""Refusals that mean the message is visible again, or gone, already."""


def _gone(code: str | None, message: str | None) -> bool:
    """Whether a DeleteMessage or ChangeMessageVisibility refusal means the message is
    back or gone already (SQS answers an expired receipt handle with
    InvalidParameterValue, naming the ReceiptHandle)."""
    return code in GONE or (code == "InvalidParameterValue" and "ReceiptHandle" in (message or ""))


LONG_POLL_MARGIN_S: Final = 10.0
"""How much longer than the longest long poll an answer may take before giving up."""


@contextmanager
def _calling(where: str, operation: str) -> Iterator[None]:
    """A boto3 call whose failure becomes the transport's error."""
    try:
        with translated(where):
            yield
    except EndpointUnreachable as exc:
        raise TransportUnavailable(f"{operation}: {exc}", code=exc.code) from exc
    except AwsError as exc:
        raise TransportError(f"{operation} failed: {exc}", code=exc.code) from exc


class AwsTransport:
    """SQS and EventBridge at ``connection``: at least once (see the module docstring)."""

    def __init__(self, connection: AwsConnection) -> None:
        self._where = connection.label
        self._sqs = connection.client("sqs", read_timeout_s=20 + LONG_POLL_MARGIN_S)
        self._events = connection.client("events")
        self._urls: dict[str, str] = {}
        self._urls_lock = threading.Lock()

    def queue_url(self, queue: str) -> str:
        """``queue``'s URL (GetQueueUrl, asked once)."""
        with self._urls_lock:
            url = self._urls.get(queue)
        if url is None:
            with _calling(self._where, "GetQueueUrl"):
                url = str(self._sqs.get_queue_url(QueueName=queue)["QueueUrl"])
            with self._urls_lock:
                self._urls[queue] = url
        return url

    def receive(self, queue: str, *, max_messages: int, wait_time_s: int) -> list[Message]:
        url = self.queue_url(queue)
        with _calling(self._where, "ReceiveMessage"):
            answer = self._sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=max_messages,
                WaitTimeSeconds=wait_time_s,
                MessageSystemAttributeNames=[RECEIVE_COUNT],
            )
        return [
            Message(
                str(m["MessageId"]),
                str(m["ReceiptHandle"]),
                str(m["Body"]),
                int(m.get("Attributes", {}).get(RECEIVE_COUNT, "1")),
            )
            for m in answer.get("Messages", [])
        ]

    def acknowledge(self, queue: str, receipt_handles: Sequence[str]) -> None:
        """DeleteMessageBatch, ten at a time; an entry refused for a reason other than its
        message being gone already is an error (the message would come back)."""
        url = self.queue_url(queue)
        for start in range(0, len(receipt_handles), 10):
            chunk = receipt_handles[start : start + 10]
            with _calling(self._where, "DeleteMessageBatch"):
                answer = self._sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[{"Id": str(n), "ReceiptHandle": h} for n, h in enumerate(chunk)],
                )
            refused = [
                f for f in answer.get("Failed", []) if not _gone(f.get("Code"), f.get("Message"))
            ]
            if refused:
                first = refused[0]
                raise TransportError(
                    f"DeleteMessageBatch refused {len(refused)} of {len(chunk)} messages: "
                    f"{first.get('Code')}: {first.get('Message')}",
                    code=str(first.get("Code")),
                )

    def change_visibility(self, queue: str, receipt_handle: str, timeout_s: int) -> None:
        url = self.queue_url(queue)
        try:
            with _calling(self._where, "ChangeMessageVisibility"):
                self._sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=receipt_handle, VisibilityTimeout=timeout_s
                )
        except TransportUnavailable:
            raise
        except TransportError as exc:
            if not _gone(exc.code, str(exc)):
                raise

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> list[PublishedEntry]:
        with _calling(self._where, "PutEvents"):
            answer = self._events.put_events(Entries=[dict(entry) for entry in entries])
        results = answer.get("Entries", [])
        if len(results) != len(entries):
            raise TransportError(
                f"PutEvents answered {len(results)} entries for {len(entries)}",
                code="InternalFailure",
            )
        return [
            PublishedEntry(
                r.get("EventId"),
                r.get("ErrorCode"),
                r.get("ErrorMessage"),
                transient=r.get("EventId") is None and transient(r.get("ErrorCode")),
            )
            for r in results
        ]

    def close(self) -> None:
        """Close the clients' connections."""
        self._sqs.close()
        self._events.close()
