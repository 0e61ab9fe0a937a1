"""The services' state in memory, inside the in-memory engine's transactions.

Every transaction is a ``MemoryStore`` transaction, so engine and state are
serialised together; the state's own changes keep an undo journal, played back if
the block raises.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from orderflow.adapters.engine.transport import EngineBound
from orderflow.adapters.memory.store import MemoryStore
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.errors import StoreError
from orderflow.eventbus.ports import StoreTransaction
from orderflow.runtime.journal import Attempt
from orderflow.runtime.ports import MAX_FAILURES, Backlog, Record, StoredEvent, UnsentMail
from orderflow.services.ports import OutgoingEvent, OutgoingMail


class _Tables:
    def __init__(self) -> None:
        self.documents: dict[tuple[str, str], dict[str, Any]] = {}
        self.processed: dict[tuple[str, str], int] = {}
        self.outbox: dict[int, StoredEvent] = {}
        self.mail: dict[str, tuple[OutgoingMail, int | None, int, str | None]] = {}
        """Message-ID → (email, when sent, failures, last error)."""
        self.attempts: dict[int, Attempt] = {}
        self.leases: dict[int, int] = {}
        self.mail_leases: dict[str, int] = {}
        """Message-ID → until when a relay holds the email."""
        """Outbox seq -> when its lease ends."""
        self.seq = itertools.count(1)


class MemoryState(EngineBound):
    """``StateTransaction`` over the in-memory tables, with an undo journal."""

    def __init__(
        self, tables: _Tables, engine: Engine | None, tx: StoreTransaction, *, writable: bool
    ) -> None:
        super().__init__(engine, tx)
        self._t = tables
        self._writable = writable
        self.undo: list[Callable[[], object]] = []

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if not self._writable:
            raise StoreError("This is a read-only transaction.")
        if key in table:
            old = table[key]
            self.undo.append(lambda: table.__setitem__(key, old))
        else:
            self.undo.append(lambda: table.pop(key, None))
        table[key] = value

    def _delete(self, table: dict[Any, Any], key: Any) -> None:
        if not self._writable:
            raise StoreError("This is a read-only transaction.")
        old = table.pop(key)
        self.undo.append(lambda: table.__setitem__(key, old))

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        found = self._t.documents.get((kind, key))
        return None if found is None else copy.deepcopy(found)

    def put(self, kind: str, key: str, document: dict[str, Any]) -> None:
        self._set(self._t.documents, (kind, key), copy.deepcopy(document))

    def scan(self, kind: str) -> Iterator[dict[str, Any]]:
        keys = sorted(key for (k, key) in self._t.documents if k == kind)
        return (copy.deepcopy(self._t.documents[(kind, key)]) for key in keys)

    def claim(self, consumer: str, event_id: str, now_ms: int) -> bool:
        if (consumer, event_id) in self._t.processed:
            return False
        self._set(self._t.processed, (consumer, event_id), now_ms)
        return True

    def add_events(self, events: list[OutgoingEvent]) -> None:
        for event in events:
            seq = next(self._t.seq)
            self._set(self._t.outbox, seq, StoredEvent(seq, event, None))

    def pending_events(self, limit: int) -> list[StoredEvent]:
        pending = [
            row
            for row in self._t.outbox.values()
            if row.published_ms is None and row.failures < MAX_FAILURES
        ]
        return sorted(pending, key=lambda row: row.seq)[:limit]

    def lease_pending(self, limit: int, now_ms: int, lease_ms: int) -> list[StoredEvent]:
        leased = [
            row
            for row in self.pending_events(len(self._t.outbox))
            if self._t.leases.get(row.seq, 0) <= now_ms
        ][:limit]
        for row in leased:
            self._set(self._t.leases, row.seq, now_ms + lease_ms)
        return leased

    def mark_published(self, seqs: Sequence[int], now_ms: int) -> None:
        for seq in seqs:
            row = self._t.outbox[seq]
            self._set(self._t.outbox, seq, StoredEvent(row.seq, row.event, now_ms, row.failures))

    def mark_failed(self, seqs: Sequence[int], error: str) -> None:
        for seq in seqs:
            row = self._t.outbox[seq]
            self._set(
                self._t.outbox, seq, StoredEvent(row.seq, row.event, None, row.failures + 1, error)
            )
            if seq in self._t.leases:
                self._delete(self._t.leases, seq)

    def events_of(self, correlation_id: str) -> list[StoredEvent]:
        return [
            row
            for _, row in sorted(self._t.outbox.items())
            if row.event.correlation_id == correlation_id
        ]

    def add_mail(self, mail: OutgoingMail) -> None:
        if mail.message_id not in self._t.mail:
            self._set(self._t.mail, mail.message_id, (mail, None, 0, None))

    def pending_mail(self, limit: int) -> list[OutgoingMail]:
        return [
            unsent.mail for unsent in self.unsent_mail(len(self._t.mail)) if not unsent.given_up
        ][:limit]

    def lease_mail(self, limit: int, now_ms: int, lease_ms: int) -> list[OutgoingMail]:
        leased = [
            mail
            for mail in self.pending_mail(len(self._t.mail))
            if self._t.mail_leases.get(mail.message_id, 0) <= now_ms
        ][:limit]
        for mail in leased:
            self._set(self._t.mail_leases, mail.message_id, now_ms + lease_ms)
        return leased

    def release_mail(self, message_ids: Sequence[str]) -> None:
        for message_id in message_ids:
            if message_id in self._t.mail_leases:
                self._delete(self._t.mail_leases, message_id)

    def mark_mail_sent(self, message_id: str, now_ms: int) -> bool:
        mail, sent, failures, error = self._t.mail[message_id]
        if sent is not None:
            return False
        self._set(self._t.mail, message_id, (mail, now_ms, failures, error))
        return True

    def mark_mail_failed(self, message_id: str, error: str, *, permanent: bool) -> None:
        mail, sent, failures, _ = self._t.mail[message_id]
        self._set(self._t.mail, message_id, (mail, sent, failures + int(permanent), error))

    def outbox_backlog(self) -> dict[str, Backlog]:
        waiting: dict[str, Backlog] = {}
        for row in self._t.outbox.values():
            if row.published_ms is None:
                source, created = row.event.source, row.event.created_ms
                known = waiting.get(source, Backlog(0, created))
                oldest = min(created, known.oldest_ms or created)
                waiting[source] = Backlog(known.count + 1, oldest)
        return waiting

    def mail_backlog(self) -> Backlog:
        unsent = [mail.created_ms for mail, sent, _, _ in self._t.mail.values() if sent is None]
        return Backlog(len(unsent), min(unsent, default=None))

    def unsent_mail(self, limit: int) -> list[UnsentMail]:
        unsent = [
            UnsentMail(mail, failures, error)
            for mail, sent, failures, error in self._t.mail.values()
            if sent is None
        ]
        return sorted(unsent, key=lambda row: row.mail.created_ms)[:limit]

    def retry_mail(self, message_ids: Sequence[str] | None) -> list[str]:
        retried: list[str] = []
        for message_id in list(self._t.mail) if message_ids is None else dict.fromkeys(message_ids):
            row = self._t.mail.get(message_id)
            if row is not None and row[1] is None:
                self._set(self._t.mail, message_id, (row[0], None, 0, None))
                retried.append(message_id)
        return retried

    def _older(self, record: Record, before_ms: int) -> tuple[dict[Any, Any], list[Any]]:
        """``record``'s table, and the keys of its rows older than ``before_ms``."""
        t = self._t
        if record == "attempts":
            return t.attempts, [k for k, a in t.attempts.items() if a.started_ms < before_ms]
        if record == "events":
            return t.outbox, [
                k for k, row in t.outbox.items() if _before(row.published_ms, before_ms)
            ]
        if record == "emails":
            return t.mail, [k for k, row in t.mail.items() if _before(row[1], before_ms)]
        return t.processed, [k for k, when in t.processed.items() if when < before_ms]

    def prune(self, record: Record, before_ms: int, limit: int) -> int:
        table, keys = self._older(record, before_ms)
        for key in keys[:limit]:
            self._delete(table, key)
        return min(len(keys), limit)

    def count_older(self, record: Record, before_ms: int) -> int:
        return len(self._older(record, before_ms)[1])

    def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        for attempt in attempts:
            self._set(self._t.attempts, next(self._t.seq), attempt)

    def attempts_of(self, correlation_id: str) -> list[Attempt]:
        return [
            a for _, a in sorted(self._t.attempts.items()) if a.correlation_id == correlation_id
        ]

    def attempts_of_message(self, message_id: str) -> list[Attempt]:
        return [a for _, a in sorted(self._t.attempts.items()) if a.message_id == message_id]


class MemoryStateStore:
    """``StateStore`` in memory, serialised with the in-memory engine's transactions."""

    def __init__(self, store: MemoryStore, engine: Engine | None = None) -> None:
        self._store = store
        self._engine = engine
        self._tables = _Tables()

    @contextmanager
    def transaction(self) -> Iterator[MemoryState]:
        with self._store.transaction() as tx:
            state = MemoryState(self._tables, self._engine, tx, writable=True)
            try:
                yield state
            except BaseException:
                while state.undo:
                    state.undo.pop()()
                raise

    @contextmanager
    def reader(self) -> Iterator[MemoryState]:
        with self._store.reader() as tx:
            yield MemoryState(self._tables, self._engine, tx, writable=False)


def _before(when_ms: int | None, before_ms: int) -> bool:
    """Whether a time that may not have come yet (None) is before ``before_ms``."""
    return when_ms is not None and when_ms < before_ms
