"""EventBridge's parameter checks, worded as its validation errors are."""

from __future__ import annotations

import re
from typing import Final

from orderflow.eventbus.errors import ValidationException

RULE_NAME: Final = r"[\.\-_A-Za-z0-9]+"
BUS_NAME: Final = r"[\.\-_A-Za-z0-9]+"
TARGET_ID: Final = r"[\.\-_A-Za-z0-9]+"
ARCHIVE_NAME: Final = r"[\.\-_A-Za-z0-9]+"
BUS_ARN: Final = r"arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:.+\/.+"
"""CreateArchive's EventSourceArn, as its API model writes it."""
RULE_STATES: Final = ("ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
MAX_DESCRIPTION: Final = 512


def _constraint(value: object, member: str, constraint: str) -> ValidationException:
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}"
    )


def check_name(value: str | None, member: str, pattern: str, maximum: int) -> str:
    """A name parameter: present, of the allowed characters and length."""
    if value is None or value == "":
        raise _constraint(value, member, "Member must have length greater than or equal to 1")
    if len(value) > maximum:
        raise _constraint(value, member, f"Member must have length less than or equal to {maximum}")
    if not re.fullmatch(pattern, value):
        raise _constraint(
            value, member, f"Member must satisfy regular expression pattern: {pattern}"
        )
    return value


def check_arn(value: str, member: str, pattern: str) -> str:
    """An ARN parameter that must be an ARN (where a name is refused)."""
    if not re.fullmatch(pattern, value):
        raise _constraint(
            value, member, f"Member must satisfy regular expression pattern: {pattern}"
        )
    return value


def check_description(value: str | None) -> str:
    if value is not None and len(value) > MAX_DESCRIPTION:
        raise _constraint(
            value,
            "description",
            f"Member must have length less than or equal to {MAX_DESCRIPTION}",
        )
    return value or ""


def check_state(value: str | None) -> str:
    if value is None:
        return "ENABLED"
    if value not in RULE_STATES:
        raise _constraint(
            value, "state", f"Member must satisfy enum value set: [{', '.join(RULE_STATES)}]"
        )
    return value


def check_range(value: int | None, member: str, low: int, high: int) -> None:
    if value is None:
        return
    if value < low:
        raise _constraint(value, member, f"Member must have value greater than or equal to {low}")
    if value > high:
        raise _constraint(value, member, f"Member must have value less than or equal to {high}")
