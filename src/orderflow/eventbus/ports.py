"""The engine's storage port: what the embedded engine needs from a store.

The engine's semantics (SQS visibility and redrive, EventBridge routing and
retries) live in the engine; a store only keeps records and answers queries,
inside transactions. Two adapters implement it: ``adapters.sqlite`` (one file,
several processes) and ``adapters.memory`` (fast tests). Both pass the same
contract suite (``tests/contract``).

A write transaction sees a consistent snapshot and excludes every other writer,
in this process and in others, until it commits; everything it did is durable
when ``transaction()`` returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from orderflow.eventbus.model.queues import (
    MoveTask,
    NewMessage,
    QueueCounts,
    QueueRecord,
    Reception,
    StoredMessage,
)


class QueueTables(Protocol):
    """Queue and message records, inside a transaction."""

    def get_queue(self, name: str) -> QueueRecord | None: ...

    def list_queues(self) -> list[QueueRecord]: ...

    def save_queue(self, queue: QueueRecord) -> None:
        """Insert or replace the queue record."""
        ...

    def delete_queue(self, name: str) -> None:
        """Forget the queue and every message in it."""
        ...

    def add_messages(self, messages: Sequence[NewMessage]) -> None: ...

    def visible_messages(self, queue: str, now_ms: int, limit: int) -> list[StoredMessage]:
        """Up to ``limit`` messages visible at ``now_ms``, longest-waiting first."""
        ...

    def mark_received(self, receptions: Sequence[Reception]) -> None: ...

    def message(self, queue: str, message_id: str) -> StoredMessage | None: ...

    def delete_messages(self, seqs: Sequence[int]) -> None: ...

    def set_visible_at(self, seq: int, visible_at_ms: int) -> None: ...

    def purge(self, queue: str) -> int:
        """Delete every message of ``queue``; how many there were."""
        ...

    def expire(self, queue: str, sent_before_ms: int) -> int:
        """Delete the messages sent before ``sent_before_ms``; how many."""
        ...

    def counts(self, queue: str, now_ms: int) -> QueueCounts: ...

    def oldest_messages(self, queue: str, limit: int) -> list[StoredMessage]:
        """Up to ``limit`` messages in sending order, visible or not (for inspection and moves)."""
        ...

    def save_move_task(self, task: MoveTask) -> None: ...

    def move_tasks(self, source: str) -> list[MoveTask]:
        """The move tasks of a source queue, newest first."""
        ...


class StoreTransaction(QueueTables, Protocol):
    """Everything a store keeps, inside one transaction."""


class EngineStore(Protocol):
    """A store the engine runs on."""

    def transaction(self) -> AbstractContextManager[StoreTransaction]:
        """A write transaction: commits when the block ends, rolls back if it raises."""
        ...

    def reader(self) -> AbstractContextManager[StoreTransaction]:
        """A read-only snapshot (may run beside a writer)."""
        ...

    def wait_for_change(self, timeout_s: float) -> None:
        """Return when another transaction may have committed, or after ``timeout_s``."""
        ...

    def close(self) -> None: ...


def batched(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    """``items`` in slices of at most ``size`` (for bounded SQL parameter lists)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
