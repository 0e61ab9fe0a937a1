"""Batch requests: SQS's checks on the entries, and per-entry results."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

from orderflow.eventbus.queues.errors import (
    BatchEntryIdsNotDistinct,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    SqsError,
    TooManyEntriesInBatchRequest,
)

MAX_ENTRIES: Final = 10
_ENTRY_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,80}$")

T = TypeVar("T")


@dataclass(frozen=True)
class BatchFailure:
    """One failed entry, as SQS reports it."""

    id: str
    code: str
    message: str
    sender_fault: bool


@dataclass
class BatchResult(Generic[T]):
    """The entries that succeeded (with their result) and those that failed, by entry id."""

    successful: list[tuple[str, T]] = field(default_factory=list)
    failed: list[BatchFailure] = field(default_factory=list)

    def succeed(self, entry_id: str, value: T) -> None:
        self.successful.append((entry_id, value))

    def fail(self, entry_id: str, error: SqsError, *, sender_fault: bool) -> None:
        self.failed.append(BatchFailure(entry_id, error.code, error.message, sender_fault))


def check_entries(entries: Sequence[Mapping[str, Any]], kind: str) -> None:
    """1 to 10 entries with distinct, well-formed ids."""
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {kind} in the request.")
    if len(entries) > MAX_ENTRIES:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {MAX_ENTRIES}. You have sent "
            f"{len(entries)}."
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id")
        if not isinstance(entry_id, str) or not _ENTRY_ID.match(entry_id):
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long."
            )
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)
