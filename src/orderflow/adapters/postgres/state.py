"""The services' state in PostgreSQL: beside the engine's tables, in the engine's
transactions (or, with no engine, in a database of its own beside a remote transport).

``PostgresStateStore.transaction()`` is a ``PostgresStore`` transaction. Given the engine
on the same store, it is that engine's transaction too (``EngineBound``): through the
in-engine transport, a worker's receive, its handlers' records, their claims and outbox
rows, the deletion of the messages and the routing of their events commit once.

Many workers, on many hosts, race for the same records; what a write transaction locks:

- ``claim`` is ``INSERT ... ON CONFLICT DO NOTHING``: a second claim of the same event
  waits for the first transaction, then sees its row (and claims nothing), or claims it
  if the first rolled back.
- ``get`` takes the document's transaction-scoped advisory lock and then reads, in one
  round trip, and ``put`` takes it when ``get`` did not: two workers' read-modify-write
  of one document (one SKU's stock, reserved by several inventory workers at once) take
  turns, and the second reads what the first committed. The lock exists whether the
  document does or not, so a document created by both at once is covered too. Locks are
  taken so that workers never deadlock (``document_locks``): a transaction that would
  wait while holding other documents is rolled back and run again, taking them all in
  one shared order.
- ``pending_events``: ``FOR UPDATE SKIP LOCKED``, so that relays publishing at once take
  disjoint rows, none waiting for another. ``lease_pending`` (a remote relay's, which
  publishes after its transaction) likewise, and the lease it writes keeps the rows from
  the others until it runs out; a row another leased meanwhile is checked again on its
  newest version, and left out.
- ``lease_mail``: ``FOR UPDATE SKIP LOCKED``, and the lease it writes, as for the
  outbox: mail relays on many processes send disjoint emails. ``mark_mail_sent``'s
  ``UPDATE ... WHERE sent_ms IS NULL``: of two relays marking one email (the second
  after the first's lease ran out), the second waits, then finds it sent.
- ``prune`` deletes with ``SKIP LOCKED``: what another transaction holds is left for the
  next batch.

A reader (REPEATABLE READ, READ ONLY) locks nothing and reads plainly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson

from orderflow.adapters.engine.transport import EngineBound
from orderflow.adapters.postgres.document_locks import DocumentLocks, DocumentsBusy
from orderflow.adapters.postgres.store import PostgresStore, PostgresTransaction
from orderflow.adapters.state_rows import (
    AGED,
    ATTEMPT_COLUMNS,
    MAIL_BACKLOG,
    MAIL_COLUMNS,
    OUTBOX_BACKLOG,
    OUTBOX_COLUMNS,
    attempt,
    attempt_values,
    event_values,
    lease_statement,
    mail_backlog,
    mail_values,
    oldest_mail_first,
    outbox_backlog,
    stored_event,
)
from orderflow.eventbus.engine import Engine
from orderflow.runtime.journal import Attempt
from orderflow.runtime.ports import MAX_FAILURES, Backlog, Record, StoredEvent, UnsentMail
from orderflow.services.ports import OutgoingEvent, OutgoingMail

SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"
"""Rows another transaction holds are left to it (``pending_events``, the leases)."""


class PostgresState(EngineBound):
    """``StateTransaction`` on one store transaction (the engine's, when it has one)."""

    def __init__(
        self, tx: PostgresTransaction, engine: Engine | None, locks: DocumentLocks
    ) -> None:
        super().__init__(engine, tx)
        self._db = tx.connection
        self._writes = tx.writes
        self._locks = locks

    # -- documents -------------------------------------------------------------------

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        if self._writes:
            body = self._locks.read_for_update(kind, key)
        else:
            row = self._db.execute(
                "SELECT body FROM svc_documents WHERE kind = %s AND key = %s", (kind, key)
            ).fetchone()
            body = None if row is None else row[0]
        return None if body is None else orjson.loads(body)

    def put(self, kind: str, key: str, document: dict[str, Any]) -> None:
        self._locks.lock(kind, key)
        self._db.execute(
            "INSERT INTO svc_documents (kind, key, body) VALUES (%s, %s, %s) "
            "ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body",
            (kind, key, orjson.dumps(document).decode()),
        )

    def scan(self, kind: str) -> Iterator[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT body FROM svc_documents WHERE kind = %s ORDER BY key", (kind,)
        ).fetchall()
        return (orjson.loads(body) for (body,) in rows)

    # -- idempotency -------------------------------------------------------------------

    def claim(self, consumer: str, event_id: str, now_ms: int) -> bool:
        cursor = self._db.execute(
            "INSERT INTO svc_processed (consumer, event_id, processed_ms) VALUES (%s, %s, %s) "
            "ON CONFLICT (consumer, event_id) DO NOTHING",
            (consumer, event_id, now_ms),
        )
        return cursor.rowcount == 1

    # -- outbox ------------------------------------------------------------------------

    def add_events(self, events: list[OutgoingEvent]) -> None:
        if not events:
            return
        with self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO svc_outbox (event_id, correlation_id, causation_id, source, "
                "detail_type, detail, bus, created_ms) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [event_values(e) for e in events],
            )

    def pending_events(self, limit: int) -> list[StoredEvent]:
        lock = SKIP_LOCKED if self._writes else ""
        rows = self._db.execute(
            f"SELECT {OUTBOX_COLUMNS} FROM svc_outbox WHERE published_ms IS NULL "
            f"AND failures < %s ORDER BY seq LIMIT %s{lock}",
            (MAX_FAILURES, limit),
        ).fetchall()
        return [stored_event(row) for row in rows]

    def lease_pending(self, limit: int, now_ms: int, lease_ms: int) -> list[StoredEvent]:
        rows = self._db.execute(
            lease_statement("outbox", "%s", SKIP_LOCKED),
            (now_ms + lease_ms, MAX_FAILURES, now_ms, limit),
        ).fetchall()
        return sorted((stored_event(row) for row in rows), key=lambda row: row.seq)

    def mark_published(self, seqs: Sequence[int], now_ms: int) -> None:
        if seqs:
            self._db.execute(
                "UPDATE svc_outbox SET published_ms = %s WHERE seq = ANY(%s::bigint[])",
                (now_ms, list(seqs)),
            )

    def mark_failed(self, seqs: Sequence[int], error: str) -> None:
        if seqs:
            self._db.execute(
                "UPDATE svc_outbox SET failures = failures + 1, last_error = %s, "
                "leased_until_ms = NULL WHERE seq = ANY(%s::bigint[])",
                (error, list(seqs)),
            )

    def events_of(self, correlation_id: str) -> list[StoredEvent]:
        rows = self._db.execute(
            f"SELECT {OUTBOX_COLUMNS} FROM svc_outbox WHERE correlation_id = %s ORDER BY seq",
            (correlation_id,),
        ).fetchall()
        return [stored_event(row) for row in rows]

    # -- mail --------------------------------------------------------------------------

    def add_mail(self, mail: OutgoingMail) -> None:
        self._db.execute(
            f"INSERT INTO svc_mail_outbox ({MAIL_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (message_id) DO NOTHING",
            mail_values(mail),
        )

    def pending_mail(self, limit: int) -> list[OutgoingMail]:
        rows = self._db.execute(
            f"SELECT {MAIL_COLUMNS} FROM svc_mail_outbox WHERE sent_ms IS NULL "
            "AND failures < %s ORDER BY created_ms, message_id LIMIT %s",
            (MAX_FAILURES, limit),
        ).fetchall()
        return [OutgoingMail(*row) for row in rows]

    def lease_mail(self, limit: int, now_ms: int, lease_ms: int) -> list[OutgoingMail]:
        rows = self._db.execute(
            lease_statement("mail", "%s", SKIP_LOCKED),
            (now_ms + lease_ms, MAX_FAILURES, now_ms, limit),
        ).fetchall()
        return sorted((OutgoingMail(*row) for row in rows), key=oldest_mail_first)

    def release_mail(self, message_ids: Sequence[str]) -> None:
        if message_ids:
            self._db.execute(
                "UPDATE svc_mail_outbox SET leased_until_ms = NULL "
                "WHERE message_id = ANY(%s::text[])",
                (list(message_ids),),
            )

    def mark_mail_sent(self, message_id: str, now_ms: int) -> bool:
        cursor = self._db.execute(
            "UPDATE svc_mail_outbox SET sent_ms = %s WHERE message_id = %s AND sent_ms IS NULL",
            (now_ms, message_id),
        )
        return cursor.rowcount == 1

    def mark_mail_failed(self, message_id: str, error: str, *, permanent: bool) -> None:
        self._db.execute(
            "UPDATE svc_mail_outbox SET failures = failures + %s, last_error = %s "
            "WHERE message_id = %s",
            (int(permanent), error, message_id),
        )

    def outbox_backlog(self) -> dict[str, Backlog]:
        return outbox_backlog(self._db.execute(OUTBOX_BACKLOG).fetchall())

    def mail_backlog(self) -> Backlog:
        return mail_backlog(self._db.execute(MAIL_BACKLOG).fetchone())

    def unsent_mail(self, limit: int) -> list[UnsentMail]:
        rows = self._db.execute(
            f"SELECT {MAIL_COLUMNS}, failures, last_error FROM svc_mail_outbox "
            "WHERE sent_ms IS NULL ORDER BY created_ms, message_id LIMIT %s",
            (limit,),
        ).fetchall()
        return [UnsentMail(OutgoingMail(*row[:-2]), row[-2], row[-1]) for row in rows]

    def retry_mail(self, message_ids: Sequence[str] | None) -> list[str]:
        unsent = [
            row[0]
            for row in self._db.execute(
                "SELECT message_id FROM svc_mail_outbox WHERE sent_ms IS NULL "
                "ORDER BY created_ms, message_id"
            ).fetchall()
        ]
        if message_ids is not None:
            known = set(unsent)
            unsent = [
                message_id for message_id in dict.fromkeys(message_ids) if message_id in known
            ]
        if unsent:
            self._db.execute(
                "UPDATE svc_mail_outbox SET failures = 0, last_error = NULL "
                "WHERE message_id = ANY(%s::text[])",
                (unsent,),
            )
        return unsent

    # -- retention -----------------------------------------------------------------------

    def prune(self, record: Record, before_ms: int, limit: int) -> int:
        table, key, when = AGED[record]
        cursor = self._db.execute(
            f"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} "
            f"WHERE {when} < %s LIMIT %s FOR UPDATE SKIP LOCKED)",
            (before_ms, limit),
        )
        return cursor.rowcount

    def count_older(self, record: Record, before_ms: int) -> int:
        table, _, when = AGED[record]
        row = self._db.execute(f"SELECT count(*) FROM {table} WHERE {when} < %s", (before_ms,))
        return int(row.fetchone()[0])  # type: ignore[index]

    # -- journal -------------------------------------------------------------------------

    def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        if not attempts:
            return
        with self._db.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO svc_attempts ({ATTEMPT_COLUMNS}) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [attempt_values(a) for a in attempts],
            )

    def attempts_of(self, correlation_id: str) -> list[Attempt]:
        return self._attempts("correlation_id", correlation_id)

    def attempts_of_message(self, message_id: str) -> list[Attempt]:
        return self._attempts("message_id", message_id)

    def _attempts(self, column: str, value: str) -> list[Attempt]:
        rows = self._db.execute(
            f"SELECT {ATTEMPT_COLUMNS} FROM svc_attempts WHERE {column} = %s ORDER BY seq",
            (value,),
        ).fetchall()
        return [attempt(row) for row in rows]


class PostgresStateStore:
    """``StateStore`` on a ``PostgresStore``: the ``engine``'s (same database, same
    transactions), or, with no engine, the services' state alone. The tables are the
    store's migrations' (``0002_services.sql``): there when the store opened.

    A transaction rolled back by ``DocumentsBusy`` leaves, for the next one on the same
    thread (its run again), the documents to lock at once."""

    def __init__(self, store: PostgresStore, engine: Engine | None = None) -> None:
        if engine is not None and engine.store is not store:
            raise TypeError("The engine given runs on another store than this state's.")
        self._store = store
        self._engine = engine
        self._retried = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[PostgresState]:
        first: frozenset[str] = getattr(self._retried, "documents", frozenset())
        self._retried.documents = frozenset()
        try:
            with self._store.transaction() as tx:
                yield PostgresState(tx, self._engine, DocumentLocks(tx.connection, first))
        except DocumentsBusy as busy:
            self._retried.documents = busy.documents
            raise

    @contextmanager
    def reader(self) -> Iterator[PostgresState]:
        with self._store.reader() as tx:
            yield PostgresState(tx, self._engine, DocumentLocks(tx.connection))
