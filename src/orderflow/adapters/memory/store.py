"""``MemoryStore``: the engine's records in dictionaries, with real transactions.

One lock (a ``threading.Condition`` over an ``RLock``) serialises every
transaction, readers included, so each sees a consistent state. A write
transaction changes the tables in place and keeps an undo journal: if its
``with`` block raises, the journal is played backwards and nothing it did
remains. A reader's journal refuses every write. ``wait_for_signal`` wakes
when a transaction that changed something commits (or at its timeout).

Records are frozen dataclasses, kept as given. Sequence numbers (messages,
archived events, invocations, move-task order) come from one counter and only grow.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Final, TypeVar

from orderflow.adapters.memory.groups import claimable
from orderflow.eventbus.errors import StoreError
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

if TYPE_CHECKING:
    from orderflow.eventbus.ports import EngineStore

K = TypeVar("K")
K2 = TypeVar("K2")
V = TypeVar("V")

_MESSAGE_FIELDS: Final = tuple(field.name for field in fields(NewMessage))
_INVOCATION_FIELDS: Final = tuple(field.name for field in fields(NewInvocation))


class _Journal:
    """The changes one transaction made, so that they can be undone."""

    def __init__(self, *, writable: bool) -> None:
        self._writable = writable
        self._undo: list[Callable[[], object]] = []

    @property
    def changed(self) -> bool:
        return bool(self._undo)

    def put(self, table: dict[K, V], key: K, value: V) -> None:
        self._check_writable()
        if key in table:
            self._undo.append(partial(table.__setitem__, key, table[key]))
        else:
            self._undo.append(partial(table.pop, key))
        table[key] = value

    def pop(self, table: dict[K, V], key: K) -> V | None:
        self._check_writable()
        if key not in table:
            return None
        value = table.pop(key)
        self._undo.append(partial(table.__setitem__, key, value))
        return value

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _check_writable(self) -> None:
        if not self._writable:
            raise StoreError("A reader() is a read-only snapshot: write inside transaction().")


class _Tables:
    """Everything the store keeps."""

    def __init__(self) -> None:
        self.queues: dict[str, QueueRecord] = {}
        self.messages: dict[str, dict[int, StoredMessage]] = {}  # queue -> seq -> message
        self.message_queue: dict[int, str] = {}  # seq -> queue
        self.move_tasks: dict[str, tuple[int, MoveTask]] = {}  # handle -> (save order, task)
        self.deduplications: dict[str, dict[str, Deduplication]] = {}  # queue -> key -> record
        self.meta: dict[str, int] = {"topology_version": 0}
        self.buses: dict[str, BusRecord] = {}
        self.rules: dict[tuple[str, str], RuleRecord] = {}
        self.targets: dict[tuple[str, str, str], TargetRecord] = {}
        self.archives: dict[str, ArchiveRecord] = {}
        self.archived: dict[str, dict[int, ArchivedEvent]] = {}  # archive -> seq -> event
        self.replays: dict[str, ReplayRecord] = {}
        self.invocations: dict[int, Invocation] = {}
        self.counters: dict[CounterKey, float] = {}


class MemoryTransaction:
    """Every table, inside one transaction (``StoreTransaction``)."""

    def __init__(self, tables: _Tables, journal: _Journal, next_seq: Callable[[], int]) -> None:
        self._t = tables
        self._j = journal
        self._next_seq = next_seq

    def _inner(self, table: dict[K, dict[K2, V]], key: K) -> dict[K2, V]:
        inner = table.get(key)
        if inner is None:
            inner = {}
            self._j.put(table, key, inner)
        return inner

    # -- queues ------------------------------------------------------------------

    def get_queue(self, name: str) -> QueueRecord | None:
        return self._t.queues.get(name)

    def list_queues(self) -> list[QueueRecord]:
        return [self._t.queues[name] for name in sorted(self._t.queues)]

    def save_queue(self, queue: QueueRecord) -> None:
        self._j.put(self._t.queues, queue.name, queue)

    def delete_queue(self, name: str) -> None:
        self.delete_messages(list(self._t.messages.get(name, {})))
        self._j.pop(self._t.messages, name)
        self._j.pop(self._t.deduplications, name)
        for task in self.move_tasks(name):
            self._j.pop(self._t.move_tasks, task.handle)
        self._j.pop(self._t.queues, name)

    def note_queue_deleted(self, name: str, at_ms: int) -> None:
        self._j.put(self._t.meta, f"queue_deleted/{name}", at_ms)

    def queue_deleted_at(self, name: str) -> int | None:
        return self._t.meta.get(f"queue_deleted/{name}")

    # -- messages ----------------------------------------------------------------

    def add_messages(self, messages: Sequence[NewMessage]) -> None:
        for message in messages:
            self.add_message(message)

    def add_message(self, message: NewMessage) -> int:
        seq = self._next_seq()
        values = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
        stored = StoredMessage(**values, seq=seq)
        self._j.put(self._inner(self._t.messages, message.queue), seq, stored)
        self._j.put(self._t.message_queue, seq, message.queue)
        return seq

    def deduplication(self, queue: str, key: str) -> Deduplication | None:
        # Transactions are serialised under the store's lock: nobody else looks meanwhile.
        return self._t.deduplications.get(queue, {}).get(key)

    def save_deduplication(self, record: Deduplication, now_ms: int) -> None:
        table = self._inner(self._t.deduplications, record.queue)
        for key in [key for key, kept in table.items() if kept.expires_ms <= now_ms]:
            self._j.pop(table, key)
        self._j.put(table, record.key, record)

    def _messages(self, queue: str) -> Iterator[StoredMessage]:
        return iter(self._t.messages.get(queue, {}).values())

    def visible_messages(self, queue: str, now_ms: int, limit: int) -> list[StoredMessage]:
        visible = (message for message in self._messages(queue) if message.visible_at_ms <= now_ms)
        return heapq.nsmallest(
            limit, visible, key=lambda message: (message.visible_at_ms, message.seq)
        )

    def claim_visible(
        self, queue: str, now_ms: int, limit: int, *, by_group: bool = False
    ) -> list[StoredMessage]:
        # Transactions are serialised under the store's lock: nobody else can claim.
        if by_group:
            return claimable(self._messages(queue), now_ms, limit)
        return self.visible_messages(queue, now_ms, limit)

    def _update(self, seq: int, **changes: Any) -> None:
        queue = self._t.message_queue.get(seq)
        if queue is not None:
            table = self._t.messages[queue]
            self._j.put(table, seq, replace(table[seq], **changes))

    def mark_received(self, receptions: Sequence[Reception]) -> None:
        for reception in receptions:
            self._update(
                reception.seq,
                visible_at_ms=reception.visible_at_ms,
                receive_count=reception.receive_count,
                first_receive_ms=reception.first_receive_ms,
                receipt_handle=reception.receipt_handle,
            )

    def message(self, seq: int) -> StoredMessage | None:
        queue = self._t.message_queue.get(seq)
        return None if queue is None else self._t.messages[queue][seq]

    def receipt_handles(self, seqs: Sequence[int]) -> dict[int, str | None]:
        found = (self.message(seq) for seq in seqs)
        return {message.seq: message.receipt_handle for message in found if message is not None}

    def delete_messages(self, seqs: Sequence[int]) -> None:
        for seq in seqs:
            queue = self._j.pop(self._t.message_queue, seq)
            if queue is not None:
                self._j.pop(self._t.messages[queue], seq)

    def delete_received(self, receipts: Sequence[tuple[int, str]]) -> None:
        current = self.receipt_handles([seq for seq, _ in receipts])
        self.delete_messages([seq for seq, handle in receipts if current.get(seq) == handle])

    def set_visible_at(self, seq: int, visible_at_ms: int) -> None:
        self._update(seq, visible_at_ms=visible_at_ms)

    def purge(self, queue: str) -> int:
        doomed = [message.seq for message in self._messages(queue)]
        self.delete_messages(doomed)
        return len(doomed)

    def expire(self, queue: str, sent_before_ms: int) -> int:
        doomed = [m.seq for m in self._messages(queue) if m.sent_ms < sent_before_ms]
        self.delete_messages(doomed)
        return len(doomed)

    def has_expired(self, queue: str, sent_before_ms: int) -> bool:
        return any(m.sent_ms < sent_before_ms for m in self._messages(queue))

    def counts(self, queue: str, now_ms: int) -> QueueCounts:
        visible = in_flight = delayed = 0
        oldest: int | None = None
        for message in self._messages(queue):
            if message.visible_at_ms <= now_ms:
                visible += 1
            elif message.receipt_handle is None:
                delayed += 1
            else:
                in_flight += 1
            oldest = message.sent_ms if oldest is None else min(oldest, message.sent_ms)
        return QueueCounts(visible, in_flight, delayed, oldest)

    def oldest_messages(self, queue: str, limit: int, after_seq: int = 0) -> list[StoredMessage]:
        later = (message for message in self._messages(queue) if message.seq > after_seq)
        return heapq.nsmallest(limit, later, key=lambda message: message.seq)

    # -- counters ----------------------------------------------------------------

    def add_to_counters(self, increments: Increments) -> None:
        for key, value in increments.items():
            self._j.put(self._t.counters, key, self._t.counters.get(key, 0.0) + value)

    def counters(self) -> dict[CounterKey, float]:
        return dict(self._t.counters)

    # -- move tasks (newest first: by start time, then by the latest save) ----------

    def save_move_task(self, task: MoveTask) -> None:
        self._j.put(self._t.move_tasks, task.handle, (self._next_seq(), task))

    def move_tasks(self, source: str) -> list[MoveTask]:
        saved = [entry for entry in self._t.move_tasks.values() if entry[1].source == source]
        saved.sort(key=lambda entry: (entry[1].started_ms, entry[0]), reverse=True)
        return [task for _, task in saved]

    # -- buses, rules, targets -----------------------------------------------------

    def topology_version(self) -> int:
        return self._t.meta["topology_version"]

    def bump_topology(self) -> None:
        self._j.put(self._t.meta, "topology_version", self.topology_version() + 1)

    def get_bus(self, name: str) -> BusRecord | None:
        return self._t.buses.get(name)

    def list_buses(self) -> list[BusRecord]:
        return [self._t.buses[name] for name in sorted(self._t.buses)]

    def save_bus(self, bus: BusRecord) -> None:
        self._j.put(self._t.buses, bus.name, bus)

    def delete_bus(self, name: str) -> None:
        for key in [key for key in self._t.targets if key[0] == name]:
            self._j.pop(self._t.targets, key)
        for rule in [key for key in self._t.rules if key[0] == name]:
            self._j.pop(self._t.rules, rule)
        self._j.pop(self._t.buses, name)

    def get_rule(self, bus: str, name: str) -> RuleRecord | None:
        return self._t.rules.get((bus, name))

    def list_rules(self, bus: str) -> list[RuleRecord]:
        return [rule for key, rule in sorted(self._t.rules.items()) if key[0] == bus]

    def save_rule(self, rule: RuleRecord) -> None:
        self._j.put(self._t.rules, (rule.bus, rule.name), rule)

    def delete_rule(self, bus: str, name: str) -> None:
        for key in [key for key in self._t.targets if key[:2] == (bus, name)]:
            self._j.pop(self._t.targets, key)
        self._j.pop(self._t.rules, (bus, name))

    def list_targets(self, bus: str, rule: str) -> list[TargetRecord]:
        return [t for key, t in sorted(self._t.targets.items()) if key[:2] == (bus, rule)]

    def all_targets(self) -> list[TargetRecord]:
        return [target for _, target in sorted(self._t.targets.items())]

    def save_target(self, target: TargetRecord) -> None:
        self._j.put(self._t.targets, (target.bus, target.rule, target.target_id), target)

    def delete_target(self, bus: str, rule: str, target_id: str) -> None:
        self._j.pop(self._t.targets, (bus, rule, target_id))

    # -- archives and replays --------------------------------------------------------

    def get_archive(self, name: str) -> ArchiveRecord | None:
        return self._t.archives.get(name)

    def list_archives(self) -> list[ArchiveRecord]:
        return [self._t.archives[name] for name in sorted(self._t.archives)]

    def save_archive(self, archive: ArchiveRecord) -> None:
        self._j.put(self._t.archives, archive.name, archive)

    def delete_archive(self, name: str) -> None:
        self._j.pop(self._t.archived, name)
        self._j.pop(self._t.archives, name)

    def archive_events(self, events: Sequence[ArchivedEvent]) -> None:
        for event in events:
            seq = self._next_seq()
            stored = replace(event, seq=seq)
            self._j.put(self._inner(self._t.archived, event.archive), seq, stored)

    def archived_events(
        self, archive: str, start_ms: int, end_ms: int, after_seq: int, limit: int
    ) -> list[ArchivedEvent]:
        found = (
            event
            for event in self._t.archived.get(archive, {}).values()
            if start_ms <= event.time_ms < end_ms and event.seq > after_seq
        )
        return heapq.nsmallest(limit, found, key=lambda event: event.seq)

    def archive_stats(self, archive: str) -> tuple[int, int]:
        events = list(self._t.archived.get(archive, {}).values())
        return len(events), sum(len(event.event.encode("utf-8")) for event in events)

    def expire_archive(self, archive: str, archived_before_ms: int) -> int:
        events = self._t.archived.get(archive, {})
        doomed = [seq for seq, event in events.items() if event.archived_ms < archived_before_ms]
        for seq in doomed:
            self._j.pop(events, seq)
        return len(doomed)

    def get_replay(self, name: str) -> ReplayRecord | None:
        return self._t.replays.get(name)

    def list_replays(self) -> list[ReplayRecord]:
        return [self._t.replays[name] for name in sorted(self._t.replays)]

    def save_replay(self, replay: ReplayRecord) -> None:
        self._j.put(self._t.replays, replay.name, replay)

    # -- function invocations -----------------------------------------------------------

    def add_invocations(self, invocations: Sequence[NewInvocation]) -> None:
        for invocation in invocations:
            seq = self._next_seq()
            values = {name: getattr(invocation, name) for name in _INVOCATION_FIELDS}
            self._j.put(self._t.invocations, seq, Invocation(**values, seq=seq))

    def due_invocations(
        self, functions: Sequence[str], now_ms: int, limit: int
    ) -> list[Invocation]:
        wanted = set(functions)
        due = (
            invocation
            for invocation in self._t.invocations.values()
            if invocation.function in wanted and invocation.due_ms <= now_ms
        )
        return heapq.nsmallest(
            limit, due, key=lambda invocation: (invocation.due_ms, invocation.seq)
        )

    def reschedule_invocation(self, seq: int, due_ms: int, attempts: int) -> None:
        invocation = self._t.invocations.get(seq)
        if invocation is not None:
            changed = replace(invocation, due_ms=due_ms, attempts=attempts)
            self._j.put(self._t.invocations, seq, changed)

    def delete_invocation(self, seq: int) -> None:
        self._j.pop(self._t.invocations, seq)


class MemoryStore:
    """The engine's store in this process's memory (``EngineStore``); thread-safe."""

    concurrent_writers = False  # one writer at a time, under the store's lock

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = threading.Condition(threading.RLock())
        self._version = 0  # how many committed transactions changed something
        self._counter = itertools.count(1)
        self._local = threading.local()  # per thread: an open transaction
        self._closed = False

    def _next_seq(self) -> int:
        return next(self._counter)

    @contextmanager
    def _run(self, *, writable: bool) -> Iterator[MemoryTransaction]:
        with self._lock:
            if self._closed:
                raise StoreError("This MemoryStore is closed; create a new one.")
            if getattr(self._local, "open", False):
                raise StoreError(
                    "A transaction is already open in this thread: finish it before starting "
                    "another."
                )
            journal = _Journal(writable=writable)
            self._local.open = True
            try:
                yield MemoryTransaction(self._tables, journal, self._next_seq)
            except BaseException:
                journal.rollback()
                raise
            finally:
                self._local.open = False
            if journal.changed:
                self._version += 1
                self._lock.notify_all()

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        """A write transaction: commits when the block ends, rolls back if it raises."""
        with self._run(writable=True) as tx:
            yield tx

    @contextmanager
    def reader(self) -> Iterator[MemoryTransaction]:
        """A read-only transaction (writing in it raises ``StoreError``)."""
        with self._run(writable=False) as tx:
            yield tx

    def queue_signal(self, queue: str) -> int:
        """Every commit that changed something moves every queue's signal."""
        with self._lock:
            return self._version

    def wait_for_signal(self, queue: str, seen: int, timeout_s: float) -> None:
        with self._lock:
            if getattr(self._local, "open", False):
                raise StoreError("wait_for_signal() inside a transaction would never see a change.")
            self._lock.wait_for(
                lambda: self._version != seen or self._closed, timeout=max(timeout_s, 0.0)
            )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()


if TYPE_CHECKING:

    def _conforms(store: MemoryStore) -> EngineStore:  # mypy checks MemoryStore against the port
        return store
