"""Queue attributes: SQS's names, defaults, ranges and error wording.

Attributes travel as strings, as in the SQS API. ``validate`` checks a set of
attributes for CreateQueue or SetQueueAttributes and returns them normalised;
``RedrivePolicy`` and ``RedriveAllowPolicy`` are parsed into typed values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from orderflow.eventbus.names import queue_name_from_arn
from orderflow.eventbus.queues.errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
)

# name -> (minimum, maximum, default) for the integer attributes
INTEGER_ATTRIBUTES: Final[dict[str, tuple[int, int, int]]] = {
    "DelaySeconds": (0, 900, 0),
    "MaximumMessageSize": (1024, 1_048_576, 262_144),
    "MessageRetentionPeriod": (60, 1_209_600, 345_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20, 0),
    "VisibilityTimeout": (0, 43_200, 30),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400, 300),
}
KMS_REUSE_DEFAULT: Final = INTEGER_ATTRIBUTES["KmsDataKeyReusePeriodSeconds"][2]
BOOLEAN_ATTRIBUTES: Final = frozenset(
    {"FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled"}
)
TEXT_ATTRIBUTES: Final = frozenset(
    {
        "Policy",
        "KmsMasterKeyId",
        "RedrivePolicy",
        "RedriveAllowPolicy",
        "DeduplicationScope",
        "FifoThroughputLimit",
    }
)
CHOICE_ATTRIBUTES: Final = {
    "DeduplicationScope": frozenset({"messageGroup", "queue"}),
    "FifoThroughputLimit": frozenset({"perMessageGroupId", "perQueue"}),
}
SETTABLE: Final = frozenset(INTEGER_ATTRIBUTES) | BOOLEAN_ATTRIBUTES | TEXT_ATTRIBUTES
READ_ONLY: Final = frozenset(
    {
        "QueueArn",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
    }
)
ALL_NAMES: Final = SETTABLE | READ_ONLY
MAX_RECEIVE_COUNT: Final = 1000
MAX_REDRIVE_SOURCES: Final = 10


@dataclass(frozen=True)
class RedrivePolicy:
    """Where a queue's messages go after ``max_receive_count`` receives."""

    dead_letter_queue: str  # queue name
    dead_letter_arn: str
    max_receive_count: int


@dataclass(frozen=True)
class RedriveAllowPolicy:
    """Which source queues may use a queue as their dead-letter queue."""

    permission: str  # allowAll | denyAll | byQueue
    source_arns: frozenset[str] = frozenset()

    def allows(self, source_arn: str) -> bool:
        if self.permission == "allowAll":
            return True
        if self.permission == "denyAll":
            return False
        return source_arn in self.source_arns


def defaults(fifo: bool) -> dict[str, str]:
    """The attributes a new queue has unless told otherwise."""
    values = {
        name: str(default)
        for name, (_, _, default) in INTEGER_ATTRIBUTES.items()
        if name != "KmsDataKeyReusePeriodSeconds"  # returned only with a KMS key
    }
    values["SqsManagedSseEnabled"] = "true"
    if fifo:
        values["FifoQueue"] = "true"
        values["ContentBasedDeduplication"] = "false"
        values["DeduplicationScope"] = "queue"
        values["FifoThroughputLimit"] = "perQueue"
    return values


def as_returned(stored: Mapping[str, str]) -> dict[str, str]:
    """A queue's settable attributes as GetQueueAttributes returns them for its encryption
    mode: with SSE-SQS, no KmsDataKeyReusePeriodSeconds; with a KMS key, that period (300
    unless set) and SqsManagedSseEnabled false. (``defaults`` leaves the period out.)"""
    values = dict(stored)
    if values.get("KmsMasterKeyId"):
        values.setdefault("KmsDataKeyReusePeriodSeconds", str(KMS_REUSE_DEFAULT))
        values["SqsManagedSseEnabled"] = "false"
    return values


def _invalid(name: str) -> InvalidAttributeValue:
    return InvalidAttributeValue(f"Invalid value for the parameter {name}.")


def validate(attributes: Mapping[str, str], *, fifo: bool, creating: bool) -> dict[str, str]:
    """Check attributes for CreateQueue (``creating``) or SetQueueAttributes; normalise them."""
    checked: dict[str, str] = {}
    for name, raw in attributes.items():
        if name not in SETTABLE:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        value = str(raw)
        if name in INTEGER_ATTRIBUTES:
            low, high, _ = INTEGER_ATTRIBUTES[name]
            try:
                number = int(value)
            except ValueError:
                raise _invalid(name) from None
            if not low <= number <= high:
                raise _invalid(name)
            value = str(number)
        elif name in BOOLEAN_ATTRIBUTES:
            if value.lower() not in ("true", "false"):
                raise _invalid(name)
            value = value.lower()
        elif fifo and name in CHOICE_ATTRIBUTES and value not in CHOICE_ATTRIBUTES[name]:
            raise _invalid(name)
        checked[name] = value
    if "FifoQueue" in checked:
        if not creating:
            raise InvalidAttributeName(f"Unknown Attribute {'FifoQueue'}.")
        if (checked["FifoQueue"] == "true") != fifo:
            raise InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, "
                "or underscores, must end with .fifo suffix and be 1 to 80 in length."
                if checked["FifoQueue"] == "true"
                else "Invalid value for the parameter FifoQueue."
            )
    if not fifo:
        for name in ("ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"):
            if name in checked:
                raise InvalidAttributeName(f"Unknown Attribute {name}.")
    if checked.get("RedrivePolicy"):
        policy = parse_redrive_policy(checked["RedrivePolicy"])
        checked["RedrivePolicy"] = json.dumps(  # as SQS returns it: compact, count a number
            {
                "deadLetterTargetArn": policy.dead_letter_arn,
                "maxReceiveCount": policy.max_receive_count,
            },
            separators=(",", ":"),
        )
    if checked.get("RedriveAllowPolicy"):
        parse_redrive_allow_policy(checked["RedriveAllowPolicy"])
    return checked


def parse_redrive_policy(text: str) -> RedrivePolicy:
    """A RedrivePolicy attribute value, checked as SQS checks it."""
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidAttributeValue(
            "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a "
            "valid JSON map."
        ) from None
    if not isinstance(document, dict):
        raise _invalid("RedrivePolicy")
    arn = document.get("deadLetterTargetArn")
    count = document.get("maxReceiveCount")
    if not isinstance(arn, str) or count is None:
        raise InvalidAttributeValue(
            "Value "
            + text
            + " for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain "
            "mandatory attribute: "
            + ("deadLetterTargetArn" if not isinstance(arn, str) else "maxReceiveCount")
            + "."
        )
    name = queue_name_from_arn(arn)
    if name is None:
        raise InvalidAttributeValue(
            f"Value {text} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            "deadLetterTargetArn."
        )
    try:
        receives = int(count)
    except (TypeError, ValueError):
        raise _invalid("RedrivePolicy") from None
    if not 1 <= receives <= MAX_RECEIVE_COUNT:
        raise InvalidAttributeValue(
            f"Value {text} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            f"maxReceiveCount: {count}, valid values are from 1 to {MAX_RECEIVE_COUNT} both "
            "inclusive."
        )
    return RedrivePolicy(name, arn, receives)


def parse_redrive_allow_policy(text: str) -> RedriveAllowPolicy:
    """A RedriveAllowPolicy attribute value."""
    try:
        document = json.loads(text)
    except ValueError:
        raise _invalid("RedriveAllowPolicy") from None
    if not isinstance(document, dict):
        raise _invalid("RedriveAllowPolicy")
    permission = document.get("redrivePermission")
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise InvalidAttributeValue(
            f"Value {text} for parameter RedriveAllowPolicy is invalid. Reason: Invalid value "
            "for redrivePermission."
        )
    sources = document.get("sourceQueueArns", [])
    if permission == "byQueue":
        if (
            not isinstance(sources, list)
            or not 1 <= len(sources) <= MAX_REDRIVE_SOURCES
            or not all(isinstance(arn, str) and queue_name_from_arn(arn) for arn in sources)
        ):
            raise InvalidAttributeValue(
                f"Value {text} for parameter RedriveAllowPolicy is invalid. Reason: "
                f"sourceQueueArns must list 1 to {MAX_REDRIVE_SOURCES} queue ARNs when "
                "redrivePermission is byQueue."
            )
    elif sources:
        raise InvalidAttributeValue(
            f"Value {text} for parameter RedriveAllowPolicy is invalid. Reason: "
            "sourceQueueArns may only be given when redrivePermission is byQueue."
        )
    return RedriveAllowPolicy(str(permission), frozenset(str(arn) for arn in sources))
