"""The file's resources as the engine's operations take them, and comparing with what it has.

A target becomes PutTargets' ``Target`` (which is also how ListTargetsByRule shows
it); a queue becomes CreateQueue's attributes. JSON values (patterns, policies) are
compared by meaning, not by spelling.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.queues import attributes as queue_attributes
from orderflow.eventbus.topology_file.spec import QueueSpec, TargetSpec

TARGET_FIELDS: Final = {
    "Arn": "destination",
    "Input": "input",
    "InputPath": "input_path",
    "InputTransformer": "input_transformer",
    "RetryPolicy": "retry_policy",
    "DeadLetterConfig": "dead_letter_queue",
    "SqsParameters": "message_group_id",
}
"""ListTargetsByRule's fields by the names the file gives them."""


def canonical_json(text: str | None) -> str | None:
    """JSON text written one way (sorted keys, no spaces), to compare meaning, not spelling."""
    if not text:
        return None
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return text


def target_request(target: TargetSpec, scope: AwsScope) -> dict[str, Any]:
    """The target as PutTargets takes it and ListTargetsByRule shows it."""
    destinations: dict[str, Callable[[str], str]] = {
        "queue": scope.queue_arn,
        "function": scope.function_arn,
        "bus": scope.bus_arn,
        "arn": str,
    }
    request: dict[str, Any] = {
        "Id": target.target_id,
        "Arn": destinations[target.kind](target.destination),
    }
    if target.input is not None:
        request["Input"] = target.input
    if target.input_path is not None:
        request["InputPath"] = target.input_path
    if target.input_transformer is not None:
        request["InputTransformer"] = {
            "InputPathsMap": dict(target.input_transformer.input_paths_map),
            "InputTemplate": target.input_transformer.input_template,
        }
    request["RetryPolicy"] = {
        "MaximumRetryAttempts": target.retry_policy.maximum_retry_attempts,
        "MaximumEventAgeInSeconds": target.retry_policy.maximum_event_age_seconds,
    }
    if target.dead_letter_queue is not None:
        request["DeadLetterConfig"] = {"Arn": scope.queue_arn(target.dead_letter_queue)}
    if target.message_group_id is not None:
        request["SqsParameters"] = {"MessageGroupId": target.message_group_id}
    return request


def queue_request(name: str, queue: QueueSpec, scope: AwsScope) -> dict[str, str]:
    """The attributes the file gives a queue, as CreateQueue takes them."""
    wanted = queue_attributes.validate(queue.attributes, fifo=name.endswith(".fifo"), creating=True)
    if queue.dead_letter_queue is not None:
        wanted["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": scope.queue_arn(queue.dead_letter_queue),
                "maxReceiveCount": queue.max_receive_count,
            },
            separators=(",", ":"),
        )
    return wanted


def dead_letter_in(attributes: dict[str, str]) -> str | None:
    """The dead-letter queue a queue's RedrivePolicy names, if any."""
    text = attributes.get("RedrivePolicy")
    if not text:
        return None
    try:
        return queue_attributes.parse_redrive_policy(text).dead_letter_queue
    except AwsError:
        return None


def same_attribute(key: str, before: str | None, after: str | None) -> bool:
    """Whether two values of a queue attribute mean the same (JSON compared by meaning)."""
    old, new = before or "", after or ""
    if old == new:
        return True
    if not old or not new:
        return False
    if key == "RedrivePolicy":
        try:
            first = queue_attributes.parse_redrive_policy(old)
            second = queue_attributes.parse_redrive_policy(new)
        except AwsError:
            return False
        return first == second
    if key in ("Policy", "RedriveAllowPolicy"):
        return canonical_json(old) == canonical_json(new)
    return False


def show_attribute(key: str, value: str | None) -> str:
    """An attribute value short enough for a plan line."""
    if not value:
        return "(none)"
    if key == "RedrivePolicy":
        try:
            policy = queue_attributes.parse_redrive_policy(value)
        except AwsError:
            return value
        return f"{policy.dead_letter_queue} after {policy.max_receive_count} receives"
    return value if len(value) <= 40 else value[:37] + "..."
