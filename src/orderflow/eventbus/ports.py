"""The engine's storage port: what the embedded engine needs from a store.

The engine's semantics (SQS visibility and redrive, EventBridge routing and
retries) live in the engine; a store only keeps records and answers queries,
inside transactions. Three adapters implement it: ``adapters.sqlite`` (one file,
several processes), ``adapters.postgres`` (one database, many hosts) and
``adapters.memory`` (fast tests). All pass the same contract suite (``tests/contract``).

A write transaction commits everything it did or nothing, durably when
``transaction()`` returns, and no other transaction's claim takes what it claimed
(``claim_visible``, due invocations, a move task's messages) until it ends. On memory
and SQLite it also excludes every other writer; on PostgreSQL writers run side by side
and lock what they read to decide (``adapters.postgres``), and a transaction may be
given up for a concurrent one (``TransactionConflict``: run it again).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from orderflow.eventbus.model.bus import (
    ArchivedEvent,
    ArchiveRecord,
    BusRecord,
    Invocation,
    NewInvocation,
    ReplayRecord,
    RuleRecord,
    TargetRecord,
)
from orderflow.eventbus.model.counters import CounterKey, Increments
from orderflow.eventbus.model.queues import (
    Deduplication,
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
        """Forget the queue, every message in it and its deduplication records."""
        ...

    def note_queue_deleted(self, name: str, at_ms: int) -> None:
        """Remember that queue ``name`` was deleted at ``at_ms`` (SQS refuses to create a
        queue of that name for 60 seconds)."""
        ...

    def queue_deleted_at(self, name: str) -> int | None:
        """When queue ``name`` was last deleted, if it was."""
        ...

    def add_messages(self, messages: Sequence[NewMessage]) -> None: ...

    def add_message(self, message: NewMessage) -> int:
        """Store one message; its ``seq`` (a FIFO send answers with it)."""
        ...

    def deduplication(self, queue: str, key: str) -> Deduplication | None:
        """The deduplication record of ``key`` in ``queue`` (live or expired), held against
        every other transaction's look at the same key until this one ends, so that of two
        concurrent sends of one deduplication id only one stores its message."""
        ...

    def save_deduplication(self, record: Deduplication, now_ms: int) -> None:
        """Insert or replace ``record``, forgetting the queue's records expired at ``now_ms``."""
        ...

    def visible_messages(self, queue: str, now_ms: int, limit: int) -> list[StoredMessage]:
        """Up to ``limit`` messages visible at ``now_ms``, longest-waiting first."""
        ...

    def claim_visible(
        self, queue: str, now_ms: int, limit: int, *, by_group: bool = False
    ) -> list[StoredMessage]:
        """As ``visible_messages``, in a write transaction, claiming them: no other
        transaction's claim returns them until this one ends, so that receivers on many
        hosts take disjoint messages without a global lock. (A store with one writer at a
        time gives this by itself; PostgreSQL by ``FOR UPDATE SKIP LOCKED``.)

        ``by_group`` (a FIFO queue): of each message group only while none of its messages
        is in flight (received, its visibility timeout not over), in storing order up to
        its first message that is not visible: a group's messages are received in order,
        one batch at a time. As many of one group as it has come before the next group's
        (groups in the order of their oldest message), as SQS returns "as many messages
        with the same message group ID as possible". No two transactions claim messages of
        one group at once."""
        ...

    def mark_received(self, receptions: Sequence[Reception]) -> None: ...

    def message(self, seq: int) -> StoredMessage | None:
        """The stored message ``seq`` (receipt handles name messages by it)."""
        ...

    def receipt_handles(self, seqs: Sequence[int]) -> dict[int, str | None]:
        """The current receipt handle of each of these stored messages that still exists."""
        ...

    def delete_messages(self, seqs: Sequence[int]) -> None: ...

    def delete_received(self, receipts: Sequence[tuple[int, str]]) -> None:
        """Delete each message ``seq`` whose receipt handle is still ``handle`` (a message
        received again since, or already deleted, stays as it is)."""
        ...

    def set_visible_at(self, seq: int, visible_at_ms: int) -> None: ...

    def purge(self, queue: str) -> int:
        """Delete every message of ``queue``; how many there were."""
        ...

    def expire(self, queue: str, sent_before_ms: int) -> int:
        """Delete the messages sent before ``sent_before_ms``; how many."""
        ...

    def has_expired(self, queue: str, sent_before_ms: int) -> bool:
        """Whether ``queue`` holds a message sent before ``sent_before_ms``."""
        ...

    def counts(self, queue: str, now_ms: int) -> QueueCounts:
        """The queue's numbers at ``now_ms``, read without going through its messages: from
        a count the store keeps per queue, less the messages not visible (in flight or
        delayed, found through the visibility index), and the oldest through an index."""
        ...

    def oldest_messages(self, queue: str, limit: int, after_seq: int = 0) -> list[StoredMessage]:
        """Up to ``limit`` messages after ``after_seq`` in storing order, visible or not
        (for inspection and moves)."""
        ...

    def save_move_task(self, task: MoveTask) -> None: ...

    def move_tasks(self, source: str) -> list[MoveTask]:
        """The move tasks of a source queue, newest first."""
        ...


class BusTables(Protocol):
    """Event buses, rules, targets, archives, replays and function invocations."""

    def topology_version(self) -> int:
        """A number that changes whenever a bus, rule or target changes (any process)."""
        ...

    def bump_topology(self) -> None: ...

    def get_bus(self, name: str) -> BusRecord | None: ...

    def list_buses(self) -> list[BusRecord]: ...

    def save_bus(self, bus: BusRecord) -> None: ...

    def delete_bus(self, name: str) -> None:
        """Forget the bus, its rules and their targets."""
        ...

    def get_rule(self, bus: str, name: str) -> RuleRecord | None: ...

    def list_rules(self, bus: str) -> list[RuleRecord]:
        """The rules of a bus, by name."""
        ...

    def save_rule(self, rule: RuleRecord) -> None: ...

    def delete_rule(self, bus: str, name: str) -> None: ...

    def list_targets(self, bus: str, rule: str) -> list[TargetRecord]:
        """A rule's targets, by id."""
        ...

    def all_targets(self) -> list[TargetRecord]: ...

    def save_target(self, target: TargetRecord) -> None: ...

    def delete_target(self, bus: str, rule: str, target_id: str) -> None: ...

    def get_archive(self, name: str) -> ArchiveRecord | None: ...

    def list_archives(self) -> list[ArchiveRecord]: ...

    def save_archive(self, archive: ArchiveRecord) -> None: ...

    def delete_archive(self, name: str) -> None:
        """Forget the archive and the events it holds."""
        ...

    def archive_events(self, events: Sequence[ArchivedEvent]) -> None:
        """Store archived events (their ``seq`` is assigned by the store)."""
        ...

    def archived_events(
        self, archive: str, start_ms: int, end_ms: int, after_seq: int, limit: int
    ) -> list[ArchivedEvent]:
        """Events of ``archive`` with ``start_ms <= time < end_ms``, after ``after_seq``."""
        ...

    def archive_stats(self, archive: str) -> tuple[int, int]:
        """How many events the archive holds, and their size in bytes."""
        ...

    def expire_archive(self, archive: str, archived_before_ms: int) -> int:
        """Drop the events archived before ``archived_before_ms``; how many."""
        ...

    def get_replay(self, name: str) -> ReplayRecord | None: ...

    def list_replays(self) -> list[ReplayRecord]: ...

    def save_replay(self, replay: ReplayRecord) -> None: ...

    def add_invocations(self, invocations: Sequence[NewInvocation]) -> None: ...

    def due_invocations(
        self, functions: Sequence[str], now_ms: int, limit: int
    ) -> list[Invocation]:
        """Pending invocations of these functions due at ``now_ms``, oldest due first."""
        ...

    def reschedule_invocation(self, seq: int, due_ms: int, attempts: int) -> None: ...

    def delete_invocation(self, seq: int) -> None: ...


class Counters(Protocol):
    """Counters kept beside the work they count (``eventbus.model.counters``)."""

    def add_to_counters(self, increments: Increments) -> None:
        """Add each increment to its counter, in this transaction (no other writer waits on
        it: a store keeps what each process or connection adds apart, and sums on reading)."""
        ...

    def counters(self) -> dict[CounterKey, float]:
        """Every counter's value (the sum of what every process added)."""
        ...


class StoreTransaction(QueueTables, BusTables, Counters, Protocol):
    """Everything a store keeps, inside one transaction."""


class EngineStore(Protocol):
    """A store the engine runs on."""

    concurrent_writers: bool
    """Whether write transactions run side by side (PostgreSQL, which locks rows), rather
    than one at a time (SQLite's write lock, the memory store's)."""

    def transaction(self) -> AbstractContextManager[StoreTransaction]:
        """A write transaction: commits when the block ends, rolls back if it raises."""
        ...

    def reader(self) -> AbstractContextManager[StoreTransaction]:
        """A read-only snapshot (may run beside a writer)."""
        ...

    def queue_signal(self, queue: str) -> int:
        """A value that moves whenever a commit (by any process on the store) may have made
        messages of ``queue`` visible: read it before looking for them."""
        ...

    def wait_for_signal(self, queue: str, seen: int, timeout_s: float) -> None:
        """Return once ``queue_signal(queue)`` is no longer ``seen``, or after ``timeout_s``."""
        ...

    def close(self) -> None: ...


def batched(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    """``items`` in slices of at most ``size`` (for bounded SQL parameter lists)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
