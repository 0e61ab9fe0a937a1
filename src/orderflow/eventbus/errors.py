"""Errors the event engine raises, named after the AWS error codes they mirror.

    OrderflowError                        (orderflow.errors)
    └── AwsError                          code + message, as an AWS API returns them
        ├── InvalidEventPatternException  "Event pattern is not valid. Reason: ..."
        └── ValidationException           a parameter that fails AWS's validation

``str(error)`` is exactly the message AWS would return; ``error.code`` is the AWS
error code, so an HTTP front end can render ``{"__type": code, "message": ...}``.
"""

from __future__ import annotations

from typing import ClassVar

from orderflow.errors import OrderflowError


class AwsError(OrderflowError):
    """An error mirrored from an AWS API: ``code`` is AWS's error code, ``message`` its text."""

    code: ClassVar[str] = "InternalFailure"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidEventPatternException(AwsError):
    """The event pattern is not valid; raised when a pattern is added, never at match time."""

    code: ClassVar[str] = "InvalidEventPatternException"
    PREFIX: ClassVar[str] = "Event pattern is not valid. Reason: "

    @classmethod
    def because(cls, reason: str) -> InvalidEventPatternException:
        """Build the error with AWS's wording around ``reason``."""
        error = cls(cls.PREFIX + reason)
        error.reason = reason
        return error

    reason: str = ""


class ValidationException(AwsError):
    """A request parameter fails AWS's validation (bad event, bad target input, limits)."""

    code: ClassVar[str] = "ValidationException"
