"""What a target's dead-letter queue receives when an event cannot be delivered.

As EventBridge does it: the original event as the message body, and why in the
message attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE,
RETRY_ATTEMPTS and (when retries ran out) EXHAUSTED_RETRY_CONDITION.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from orderflow.eventbus.ids import IdFactory
from orderflow.eventbus.model.queues import NewMessage
from orderflow.eventbus.names import queue_name_from_arn
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.queues import messages as msgs

MAX_ERROR_MESSAGE: Final = 1000


class ErrorCode(StrEnum):
    """Why a delivery failed (ERROR_CODE)."""

    NO_RESOURCE = "NO_RESOURCE"  # the target does not exist: no retries
    FUNCTION_ERROR = "FUNCTION_ERROR"  # the target function raised (orderflow's own code)
    TIMEOUT = "TIMEOUT"


class Exhausted(StrEnum):
    """Which retry limit ran out (EXHAUSTED_RETRY_CONDITION)."""

    MAXIMUM_RETRY_ATTEMPTS = "MaximumRetryAttempts"
    MAXIMUM_EVENT_AGE = "MaximumEventAgeInSeconds"


def dead_letter(
    tx: StoreTransaction,
    *,
    dead_letter_arn: str | None,
    event: str,
    rule_arn: str,
    target_arn: str,
    code: ErrorCode,
    message: str,
    retry_attempts: int,
    exhausted: Exhausted | None,
    now_ms: int,
    new_id: IdFactory,
) -> NewMessage | None:
    """The DLQ message for a failed delivery, or None (no DLQ, or the DLQ is gone: dropped)."""
    if dead_letter_arn is None:
        return None
    queue = queue_name_from_arn(dead_letter_arn)
    if queue is None or tx.get_queue(queue) is None:
        return None
    attributes: msgs.MessageAttributes = {
        "RULE_ARN": {"DataType": "String", "StringValue": rule_arn},
        "TARGET_ARN": {"DataType": "String", "StringValue": target_arn},
        "ERROR_CODE": {"DataType": "String", "StringValue": str(code)},
        "ERROR_MESSAGE": {"DataType": "String", "StringValue": message[:MAX_ERROR_MESSAGE] or "-"},
        "RETRY_ATTEMPTS": {"DataType": "Number", "StringValue": str(retry_attempts)},
    }
    if exhausted is not None:
        attributes["EXHAUSTED_RETRY_CONDITION"] = {
            "DataType": "String",
            "StringValue": str(exhausted),
        }
    return NewMessage(
        queue=queue,
        message_id=new_id(),
        body=event,
        sent_ms=now_ms,
        visible_at_ms=now_ms,
        message_attributes=msgs.encode_attributes(attributes),
    )
