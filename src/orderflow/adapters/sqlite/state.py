"""The services' state in a SQLite file: the engine's, in the engine's transactions, or
one of its own beside a remote transport.

``SqliteStateStore.transaction()`` is a store transaction (``BEGIN IMMEDIATE``). Given
the engine of the same file, it is that engine's transaction too: a handler's records,
its claim, its outbox rows and, through the in-engine transport, the receipt, the
deletion and the routing of those events by PutEvents all commit together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson

from orderflow.adapters.engine.transport import EngineBound
from orderflow.adapters.sqlite.state_schema import STATE_SCHEMA
from orderflow.adapters.sqlite.store import SqliteStore, SqliteTransaction
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


class SqliteState(EngineBound):
    """``StateTransaction`` on one store transaction (the engine's, when it has one)."""

    def __init__(self, tx: SqliteTransaction, engine: Engine | None) -> None:
        super().__init__(engine, tx)
        self._db = tx.connection

    # -- documents -------------------------------------------------------------------

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT body FROM svc_documents WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        return None if row is None else orjson.loads(row[0])

    def put(self, kind: str, key: str, document: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO svc_documents (kind, key, body) VALUES (?, ?, ?)",
            (kind, key, orjson.dumps(document).decode()),
        )

    def scan(self, kind: str) -> Iterator[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT body FROM svc_documents WHERE kind = ? ORDER BY key", (kind,)
        ).fetchall()
        return (orjson.loads(body) for (body,) in rows)

    # -- idempotency -------------------------------------------------------------------

    def claim(self, consumer: str, event_id: str, now_ms: int) -> bool:
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO svc_processed (consumer, event_id, processed_ms) "
            "VALUES (?, ?, ?)",
            (consumer, event_id, now_ms),
        )
        return cursor.rowcount == 1

    # -- outbox ------------------------------------------------------------------------

    def add_events(self, events: list[OutgoingEvent]) -> None:
        self._db.executemany(
            "INSERT INTO svc_outbox (event_id, correlation_id, causation_id, source, detail_type,"
            " detail, bus, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [event_values(e) for e in events],
        )

    def pending_events(self, limit: int) -> list[StoredEvent]:
        rows = self._db.execute(
            f"SELECT {OUTBOX_COLUMNS} FROM svc_outbox WHERE published_ms IS NULL "
            "AND failures < ? ORDER BY seq LIMIT ?",
            (MAX_FAILURES, limit),
        ).fetchall()
        return [stored_event(row) for row in rows]

    def lease_pending(self, limit: int, now_ms: int, lease_ms: int) -> list[StoredEvent]:
        rows = self._db.execute(
            lease_statement("outbox", "?"), (now_ms + lease_ms, MAX_FAILURES, now_ms, limit)
        ).fetchall()
        return sorted((stored_event(row) for row in rows), key=lambda row: row.seq)

    def mark_published(self, seqs: Sequence[int], now_ms: int) -> None:
        self._db.executemany(
            "UPDATE svc_outbox SET published_ms = ? WHERE seq = ?", [(now_ms, s) for s in seqs]
        )

    def mark_failed(self, seqs: Sequence[int], error: str) -> None:
        self._db.executemany(
            "UPDATE svc_outbox SET failures = failures + 1, last_error = ?, "
            "leased_until_ms = NULL WHERE seq = ?",
            [(error, s) for s in seqs],
        )

    def events_of(self, correlation_id: str) -> list[StoredEvent]:
        rows = self._db.execute(
            f"SELECT {OUTBOX_COLUMNS} FROM svc_outbox WHERE correlation_id = ? ORDER BY seq",
            (correlation_id,),
        ).fetchall()
        return [stored_event(row) for row in rows]

    # -- mail --------------------------------------------------------------------------

    def add_mail(self, mail: OutgoingMail) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO svc_mail_outbox (message_id, order_id, kind, recipient, "
            "subject, body, correlation_id, causation_id, created_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            mail_values(mail),
        )

    def pending_mail(self, limit: int) -> list[OutgoingMail]:
        rows = self._db.execute(
            f"SELECT {MAIL_COLUMNS} FROM svc_mail_outbox WHERE sent_ms IS NULL "
            "AND failures < ? ORDER BY created_ms LIMIT ?",
            (MAX_FAILURES, limit),
        ).fetchall()
        return [OutgoingMail(*row) for row in rows]

    def lease_mail(self, limit: int, now_ms: int, lease_ms: int) -> list[OutgoingMail]:
        rows = self._db.execute(
            lease_statement("mail", "?"), (now_ms + lease_ms, MAX_FAILURES, now_ms, limit)
        ).fetchall()
        return sorted((OutgoingMail(*row) for row in rows), key=oldest_mail_first)

    def release_mail(self, message_ids: Sequence[str]) -> None:
        self._db.executemany(
            "UPDATE svc_mail_outbox SET leased_until_ms = NULL WHERE message_id = ?",
            [(message_id,) for message_id in message_ids],
        )

    def mark_mail_sent(self, message_id: str, now_ms: int) -> bool:
        cursor = self._db.execute(
            "UPDATE svc_mail_outbox SET sent_ms = ? WHERE message_id = ? AND sent_ms IS NULL",
            (now_ms, message_id),
        )
        return cursor.rowcount == 1

    def mark_mail_failed(self, message_id: str, error: str, *, permanent: bool) -> None:
        self._db.execute(
            "UPDATE svc_mail_outbox SET failures = failures + ?, last_error = ? "
            "WHERE message_id = ?",
            (int(permanent), error, message_id),
        )

    def outbox_backlog(self) -> dict[str, Backlog]:
        return outbox_backlog(self._db.execute(OUTBOX_BACKLOG).fetchall())

    def mail_backlog(self) -> Backlog:
        return mail_backlog(self._db.execute(MAIL_BACKLOG).fetchone())

    def unsent_mail(self, limit: int) -> list[UnsentMail]:
        rows = self._db.execute(
            f"SELECT {MAIL_COLUMNS}, failures, last_error FROM svc_mail_outbox "
            "WHERE sent_ms IS NULL ORDER BY created_ms LIMIT ?",
            (limit,),
        ).fetchall()
        return [UnsentMail(OutgoingMail(*row[:-2]), row[-2], row[-1]) for row in rows]

    def retry_mail(self, message_ids: Sequence[str] | None) -> list[str]:
        unsent = [
            row[0]
            for row in self._db.execute(
                "SELECT message_id FROM svc_mail_outbox WHERE sent_ms IS NULL ORDER BY created_ms"
            )
        ]
        if message_ids is not None:
            known = set(unsent)
            unsent = [
                message_id for message_id in dict.fromkeys(message_ids) if message_id in known
            ]
        self._db.executemany(
            "UPDATE svc_mail_outbox SET failures = 0, last_error = NULL WHERE message_id = ?",
            [(message_id,) for message_id in unsent],
        )
        return unsent

    # -- retention -----------------------------------------------------------------------

    def prune(self, record: Record, before_ms: int, limit: int) -> int:
        table, key, when = AGED[record]
        cursor = self._db.execute(
            f"DELETE FROM {table} WHERE ({key}) IN "
            f"(SELECT {key} FROM {table} WHERE {when} < ? LIMIT ?)",
            (before_ms, limit),
        )
        return cursor.rowcount

    def count_older(self, record: Record, before_ms: int) -> int:
        table, _, when = AGED[record]
        row = self._db.execute(f"SELECT count(*) FROM {table} WHERE {when} < ?", (before_ms,))
        return int(row.fetchone()[0])

    # -- journal -------------------------------------------------------------------------

    def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        self._db.executemany(
            f"INSERT INTO svc_attempts ({ATTEMPT_COLUMNS}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [attempt_values(a) for a in attempts],
        )

    def attempts_of(self, correlation_id: str) -> list[Attempt]:
        return self._attempts("correlation_id", correlation_id)

    def attempts_of_message(self, message_id: str) -> list[Attempt]:
        return self._attempts("message_id", message_id)

    def _attempts(self, column: str, value: str) -> list[Attempt]:
        rows = self._db.execute(
            f"SELECT {ATTEMPT_COLUMNS} FROM svc_attempts WHERE {column} = ? ORDER BY seq",
            (value,),
        ).fetchall()
        return [attempt(row) for row in rows]


class SqliteStateStore:
    """``StateStore`` on a ``SqliteStore``: the ``engine``'s (same file, same transactions),
    or, with no engine, a file of the services' state alone."""

    def __init__(self, store: SqliteStore, engine: Engine | None = None) -> None:
        self._store = store
        self._engine = engine
        ensure_state_schema(store)

    @contextmanager
    def transaction(self) -> Iterator[SqliteState]:
        with self._store.transaction() as tx:
            yield SqliteState(tx, self._engine)

    @contextmanager
    def reader(self) -> Iterator[SqliteState]:
        with self._store.reader() as tx:
            yield SqliteState(tx, self._engine)


def ensure_state_schema(store: SqliteStore) -> None:
    """Create the services' tables if this file lacks them, and the columns added since
    (an outbox row's lease, an email's) if its tables are older."""
    with store.transaction() as tx:
        for statement in STATE_SCHEMA:
            tx.connection.execute(statement)
        for table in ("svc_outbox", "svc_mail_outbox"):
            columns = {row[1] for row in tx.connection.execute(f"PRAGMA table_info({table})")}
            if "leased_until_ms" not in columns:
                tx.connection.execute(f"ALTER TABLE {table} ADD COLUMN leased_until_ms INTEGER")
