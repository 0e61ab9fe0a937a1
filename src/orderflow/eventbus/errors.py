"""Errors the event engine raises, named after the AWS error codes they mirror.

    OrderflowError                        (orderflow.errors)
    ├── AwsError                          code + message, as an AWS API returns them
    │   ├── InvalidEventPatternException  "Event pattern is not valid. Reason: ..."
    │   ├── ValidationException           a parameter that fails AWS's validation
    │   ├── ResourceNotFoundException     an EventBridge resource that does not exist
    │   ├── ResourceAlreadyExistsException
    │   ├── LimitExceededException        an EventBridge quota (targets per rule, ...)
    │   ├── InvalidStateException         e.g. a replay that cannot be cancelled
    │   └── SqsError                      the SQS errors (orderflow.eventbus.queues.errors)
    └── StoreError                        the engine's storage failed (locked, corrupt,
        │                                 read-only database, server down); says what to do
        ├── DiskFull                      the database or its disk is full: nothing written
        └── TransactionConflict           a concurrent transaction won (serialization
                                          failure, deadlock): nothing was committed, and
                                          running the transaction again may succeed

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


class ResourceNotFoundException(AwsError):
    """An event bus, rule, archive or replay that does not exist."""

    code: ClassVar[str] = "ResourceNotFoundException"


class ResourceAlreadyExistsException(AwsError):
    """An event bus, archive or replay with that name exists already."""

    code: ClassVar[str] = "ResourceAlreadyExistsException"


class LimitExceededException(AwsError):
    """An EventBridge quota would be exceeded."""

    code: ClassVar[str] = "LimitExceededException"


class InvalidStateException(AwsError):
    """The resource is not in a state that allows the request."""

    code: ClassVar[str] = "InvalidStateException"


class StoreError(OrderflowError):
    """The engine's storage failed; the message says what happened and what to do."""


class DiskFull(StoreError):
    """The database could not grow (SQLite's SQLITE_FULL: the disk, or the database's own
    size limit): nothing of the call was written; it may succeed once space is freed."""


class TransactionConflict(StoreError):
    """The store gave up this transaction for a concurrent one (PostgreSQL's serialization
    failures and deadlocks, SQLSTATE 40001 and 40P01): nothing it did was committed, and
    the caller may run it again."""
