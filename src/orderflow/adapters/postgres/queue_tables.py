"""The queue tables (queues, messages, move tasks) in PostgreSQL.

What a write transaction locks (and why), beyond the rows its own writes lock:

- ``claim_visible`` of a FIFO queue: its message groups, by advisory locks, then their
  messages (``groups`` says how, and why a row lock alone would not do).
- ``deduplication`` (a FIFO send's look for its deduplication id): a transaction-scoped
  advisory lock on the queue and key, taken before the read, so that of two senders of
  one id the second reads what the first committed and stores nothing.
- ``claim_visible``: ``FOR UPDATE SKIP LOCKED``. Receivers on any host take disjoint
  messages, none waiting for another: a message another receiver is claiming is skipped,
  and one that became invisible (received and committed) after this statement's snapshot
  is checked again on its newest version, and left out.
- ``message`` (a receipt handle's message, before a delete or a visibility change):
  ``FOR UPDATE``, so that a receive elsewhere cannot slip between the handle's check
  and the change.
- ``oldest_messages`` (a move task's step): ``FOR UPDATE``, waiting rather than skipping,
  since a move walks the queue in storing order and must not walk past a message another
  transaction holds; without it, two steps could both copy a message before both delete it.
- ``move_tasks`` (before a start, a step or a cancel): a transaction-scoped advisory lock
  on the source queue's name, so that these take turns across hosts: one task's steps
  and its cancellation, and two starts, of which only one may find no task running (a
  row lock could not cover the task that does not exist yet).
- ``expire``: deletes with ``SKIP LOCKED``: a message in another transaction's hands is
  left for a later sweep rather than waited for (two receivers each expiring what the
  other holds would deadlock).

Not locked: ``get_queue`` (every send and receive reads it; locking it would make every
receiver of a queue wait for the others). Two hosts changing one queue's attributes at the
same instant: the last commit wins, as SQS's own attribute changes propagate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final

from orderflow.adapters.message_rows import COLUMNS, NEW_COLUMNS, new_values, stored
from orderflow.adapters.postgres.connection import Connection
from orderflow.adapters.postgres.groups import claim_by_group
from orderflow.eventbus.model.queues import (
    Deduplication,
    MoveTask,
    NewMessage,
    QueueCounts,
    QueueRecord,
    Reception,
    StoredMessage,
)

_QUEUE_COLUMNS: Final = "name, attributes, tags, created_ms, modified_ms, last_purge_ms"


@lru_cache(maxsize=1024)
def _frozen_json(text: str) -> Mapping[str, str]:
    return MappingProxyType(json.loads(text))


def _queue(row: Sequence[Any]) -> QueueRecord:
    return QueueRecord(
        name=row[0],
        attributes=_frozen_json(row[1]),
        tags=_frozen_json(row[2]),
        created_ms=row[3],
        modified_ms=row[4],
        last_purge_ms=row[5],
    )


class PostgresQueueTables:
    """The queue tables, inside one transaction on the connection ``_db`` (``writes``:
    a write transaction, which may lock rows; a reader never does)."""

    _db: Connection
    writes: bool

    def _locking(self, clause: str = "FOR UPDATE") -> str:
        return f" {clause}" if self.writes else ""

    # -- queues ------------------------------------------------------------------

    def get_queue(self, name: str) -> QueueRecord | None:
        row = self._db.execute(
            f"SELECT {_QUEUE_COLUMNS} FROM queues WHERE name = %s", (name,)
        ).fetchone()
        return None if row is None else _queue(row)

    def list_queues(self) -> list[QueueRecord]:
        rows = self._db.execute(f"SELECT {_QUEUE_COLUMNS} FROM queues ORDER BY name")
        return [_queue(row) for row in rows.fetchall()]

    def save_queue(self, queue: QueueRecord) -> None:
        self._db.execute(
            f"INSERT INTO queues ({_QUEUE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (name) DO UPDATE SET attributes = excluded.attributes, "
            "tags = excluded.tags, created_ms = excluded.created_ms, "
            "modified_ms = excluded.modified_ms, last_purge_ms = excluded.last_purge_ms",
            (
                queue.name,
                json.dumps(dict(queue.attributes), sort_keys=True),
                json.dumps(dict(queue.tags), sort_keys=True),
                queue.created_ms,
                queue.modified_ms,
                queue.last_purge_ms,
            ),
        )

    def delete_queue(self, name: str) -> None:
        self._db.execute("DELETE FROM messages WHERE queue = %s", (name,))
        self._db.execute("DELETE FROM queue_sizes WHERE queue = %s", (name,))
        self._db.execute("DELETE FROM move_tasks WHERE source = %s", (name,))
        self._db.execute("DELETE FROM deduplications WHERE queue = %s", (name,))
        self._db.execute("DELETE FROM queues WHERE name = %s", (name,))

    def note_queue_deleted(self, name: str, at_ms: int) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (f"queue_deleted/{name}", at_ms),
        )

    def queue_deleted_at(self, name: str) -> int | None:
        row = self._db.execute(
            "SELECT value FROM meta WHERE key = %s", (f"queue_deleted/{name}",)
        ).fetchone()
        return None if row is None else int(row[0])

    # -- messages ----------------------------------------------------------------

    def add_messages(self, messages: Sequence[NewMessage]) -> None:
        if not messages:
            return
        columns = list(zip(*(new_values(m) for m in messages), strict=True))
        # One statement for the whole batch, in the given order (seq follows it).
        self._db.execute(
            f"INSERT INTO messages ({NEW_COLUMNS}) "
            f"SELECT {NEW_COLUMNS} FROM unnest(%s::text[], %s::text[], %s::text[], "
            "%s::bigint[], %s::bigint[], %s::text[], %s::integer[], %s::bigint[], %s::text[], "
            "%s::text[], %s::text[], %s::text[]) "
            f"WITH ORDINALITY AS m({NEW_COLUMNS}, n) ORDER BY n",
            [list(column) for column in columns],
        )

    def add_message(self, message: NewMessage) -> int:
        row = self._db.execute(
            f"INSERT INTO messages ({NEW_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING seq",
            new_values(message),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def deduplication(self, queue: str, key: str) -> Deduplication | None:
        if self.writes:  # a statement of its own: the read below then sees the last holder's
            self._db.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended("
                "'orderflow.deduplication/' || %s || '/' || %s, 0))",
                (queue, key),
            )
        row = self._db.execute(
            "SELECT message_id, seq, expires_ms FROM deduplications WHERE queue = %s AND key = %s",
            (queue, key),
        ).fetchone()
        return None if row is None else Deduplication(queue, key, row[0], row[1], row[2])

    def save_deduplication(self, record: Deduplication, now_ms: int) -> None:
        self._db.execute(  # others' expired records: left to a later send if held now
            "DELETE FROM deduplications WHERE (queue, key) IN (SELECT queue, key FROM "
            "deduplications WHERE queue = %s AND expires_ms <= %s FOR UPDATE SKIP LOCKED)",
            (record.queue, now_ms),
        )
        self._db.execute(
            "INSERT INTO deduplications (queue, key, message_id, seq, expires_ms) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (queue, key) DO UPDATE SET "
            "message_id = excluded.message_id, seq = excluded.seq, "
            "expires_ms = excluded.expires_ms",
            (record.queue, record.key, record.message_id, record.seq, record.expires_ms),
        )

    def visible_messages(self, queue: str, now_ms: int, limit: int) -> list[StoredMessage]:
        rows = self._db.execute(
            f"SELECT {COLUMNS} FROM messages WHERE queue = %s AND visible_at_ms <= %s "
            "ORDER BY visible_at_ms, seq LIMIT %s",
            (queue, now_ms, limit),
        )
        return [stored(row) for row in rows.fetchall()]

    def claim_visible(
        self, queue: str, now_ms: int, limit: int, *, by_group: bool = False
    ) -> list[StoredMessage]:
        if by_group:
            claimed = claim_by_group(self._db, COLUMNS, queue, now_ms, limit)
            return [stored(row) for row in claimed]
        rows = self._db.execute(
            f"SELECT {COLUMNS} FROM messages WHERE queue = %s AND visible_at_ms <= %s "
            "ORDER BY visible_at_ms, seq LIMIT %s FOR UPDATE SKIP LOCKED",
            (queue, now_ms, limit),
        )
        return [stored(row) for row in rows.fetchall()]

    def mark_received(self, receptions: Sequence[Reception]) -> None:
        if not receptions:
            return
        self._db.execute(
            "UPDATE messages AS m SET visible_at_ms = r.visible_at_ms, "
            "receive_count = r.receive_count, first_receive_ms = r.first_receive_ms, "
            "receipt_handle = r.receipt_handle "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::integer[], %s::bigint[], %s::text[]) "
            "AS r(seq, visible_at_ms, receive_count, first_receive_ms, receipt_handle) "
            "WHERE m.seq = r.seq",
            (
                [r.seq for r in receptions],
                [r.visible_at_ms for r in receptions],
                [r.receive_count for r in receptions],
                [r.first_receive_ms for r in receptions],
                [r.receipt_handle for r in receptions],
            ),
        )

    def message(self, seq: int) -> StoredMessage | None:
        row = self._db.execute(
            f"SELECT {COLUMNS} FROM messages WHERE seq = %s{self._locking()}", (seq,)
        ).fetchone()
        return None if row is None else stored(row)

    def receipt_handles(self, seqs: Sequence[int]) -> dict[int, str | None]:
        rows = self._db.execute(
            "SELECT seq, receipt_handle FROM messages WHERE seq = ANY(%s::bigint[])", (list(seqs),)
        )
        return dict(rows.fetchall())

    def delete_messages(self, seqs: Sequence[int]) -> None:
        if seqs:
            self._db.execute("DELETE FROM messages WHERE seq = ANY(%s::bigint[])", (list(seqs),))

    def delete_received(self, receipts: Sequence[tuple[int, str]]) -> None:
        if receipts:
            self._db.execute(
                "DELETE FROM messages AS m USING unnest(%s::bigint[], %s::text[]) AS r(seq, handle)"
                " WHERE m.seq = r.seq AND m.receipt_handle = r.handle",
                ([seq for seq, _ in receipts], [handle for _, handle in receipts]),
            )

    def set_visible_at(self, seq: int, visible_at_ms: int) -> None:
        self._db.execute(
            "UPDATE messages SET visible_at_ms = %s WHERE seq = %s", (visible_at_ms, seq)
        )

    def purge(self, queue: str) -> int:
        return self._db.execute("DELETE FROM messages WHERE queue = %s", (queue,)).rowcount

    def expire(self, queue: str, sent_before_ms: int) -> int:
        return self._db.execute(
            "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE queue = %s "
            "AND sent_ms < %s FOR UPDATE SKIP LOCKED)",
            (queue, sent_before_ms),
        ).rowcount

    def has_expired(self, queue: str, sent_before_ms: int) -> bool:
        row = self._db.execute(
            "SELECT EXISTS (SELECT FROM messages WHERE queue = %s AND sent_ms < %s)",
            (queue, sent_before_ms),
        ).fetchone()
        return bool(row and row[0])

    def counts(self, queue: str, now_ms: int) -> QueueCounts:
        row = self._db.execute(
            "SELECT (SELECT coalesce(sum(messages), 0) FROM queue_sizes WHERE queue = %(queue)s), "
            "count(*) FILTER (WHERE receipt_handle IS NOT NULL), "
            "count(*) FILTER (WHERE receipt_handle IS NULL), "
            "(SELECT min(sent_ms) FROM messages WHERE queue = %(queue)s) "
            "FROM messages WHERE queue = %(queue)s AND visible_at_ms > %(now)s",
            {"now": now_ms, "queue": queue},
        ).fetchone()
        assert row is not None
        in_flight, delayed = int(row[1]), int(row[2])
        return QueueCounts(int(row[0]) - in_flight - delayed, in_flight, delayed, row[3])

    def oldest_messages(self, queue: str, limit: int, after_seq: int = 0) -> list[StoredMessage]:
        rows = self._db.execute(
            f"SELECT {COLUMNS} FROM messages WHERE queue = %s AND seq > %s "
            f"ORDER BY seq LIMIT %s{self._locking()}",
            (queue, after_seq, limit),
        )
        return [stored(row) for row in rows.fetchall()]

    # -- move tasks --------------------------------------------------------------

    def save_move_task(self, task: MoveTask) -> None:
        self._db.execute(
            "INSERT INTO move_tasks (handle, source, started_ms, task) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (handle) DO UPDATE SET source = excluded.source, "
            "started_ms = excluded.started_ms, task = excluded.task, "
            "saved = nextval('move_task_saves')",
            (task.handle, task.source, task.started_ms, json.dumps(task.__dict__)),
        )

    def move_tasks(self, source: str) -> list[MoveTask]:
        if self.writes:  # a statement of its own: the read below then sees the last holder's
            self._db.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('orderflow.move_tasks/' || %s, 0))",
                (source,),
            )
        rows = self._db.execute(
            "SELECT task FROM move_tasks WHERE source = %s ORDER BY started_ms DESC, saved DESC",
            (source,),
        )
        return [MoveTask(**json.loads(row[0])) for row in rows.fetchall()]
