"""Receiving from a FIFO queue on PostgreSQL: one batch in flight per message group, with
receivers on many hosts at once.

The rule (``QueueTables.claim_visible`` with ``by_group``): a message may be claimed when
it is visible, no message of its group is in flight, and no earlier message of its group
is invisible. Checked in one ``SELECT ... FOR UPDATE SKIP LOCKED``, it would not hold:
two receivers start together, both see group g free; the first locks g's first message,
the second skips that row and claims g's second (its snapshot does not show the first
receiver's claim, which has not committed, and a row lock on message 1 says nothing about
message 2). Both commit: two batches of g in flight, out of order.

How it is prevented: a claim takes each group in two statements.

1. The groups that look claimable (in a first statement's snapshot) are locked with
   ``pg_try_advisory_xact_lock`` on the queue's and group's names, one by one in the
   order of their first message, until they hold enough messages: a group another
   receiver holds is skipped, never waited for, as SKIP LOCKED skips rows. A receiver
   holds a group's lock from before it reads the group's messages until it commits
   (transaction-scoped), so whatever it marked in flight is committed when the lock
   is free again.
2. A second statement (READ COMMITTED: a snapshot taken after the locks were granted,
   so it sees every claim committed by an earlier holder of each lock) reads the locked
   groups' messages and checks the rule again, locking the rows ``FOR UPDATE``.

Two names whose hashes collide share one lock: they then take turns, which is safe.
Messages without a group (none in a FIFO queue the engine fills) are claimed as in a
standard queue, ``SKIP LOCKED``.
"""

from __future__ import annotations

from typing import Any, Final

from orderflow.adapters.postgres.connection import Connection

_CLAIMABLE: Final = (
    "m.queue = %(queue)s AND m.visible_at_ms <= %(now)s AND NOT EXISTS ("
    "SELECT FROM messages AS b WHERE b.queue = m.queue AND b.group_id = m.group_id "
    "AND b.visible_at_ms > %(now)s AND (b.receipt_handle IS NOT NULL OR b.seq < m.seq))"
)
_CANDIDATES: Final = 100
"""How many groups a claim considers at most (in storing order of their first message)."""


def claim_by_group(
    db: Connection, columns: str, queue: str, now_ms: int, limit: int
) -> list[tuple[Any, ...]]:
    """Rows (``columns`` of ``messages AS m``) of up to ``limit`` claimable messages of
    ``queue``, their groups locked until the transaction ends: group by group (in the
    order of their oldest message), then any without a group. Only as many groups are
    locked as the claim needs."""
    values = {"queue": queue, "now": now_ms, "limit": limit}
    candidates = db.execute(
        f"SELECT m.group_id, count(*) FROM messages AS m WHERE {_CLAIMABLE} "
        "AND m.group_id IS NOT NULL GROUP BY m.group_id ORDER BY min(m.seq) LIMIT %(groups)s",
        {**values, "groups": _CANDIDATES},
    ).fetchall()
    groups: list[str] = []
    found = 0
    for group, count in candidates:
        if found >= limit:
            break
        locked = db.execute(
            "SELECT pg_try_advisory_xact_lock("
            "hashtextextended('orderflow.group/' || %s || '/' || %s, 0))",
            (queue, group),
        ).fetchone()
        if locked and locked[0]:  # held by another receiver: skipped, never waited for
            groups.append(group)
            found += int(count)
    rows: list[tuple[Any, ...]] = []
    if groups:
        rows = db.execute(
            f"SELECT {columns} FROM messages AS m WHERE {_CLAIMABLE} "
            "AND m.group_id = ANY(%(chosen)s::text[]) "
            "ORDER BY array_position(%(chosen)s::text[], m.group_id), m.seq "
            "LIMIT %(limit)s FOR UPDATE",
            {**values, "chosen": groups},
        ).fetchall()
    if len(rows) < limit:
        rows += db.execute(
            f"SELECT {columns} FROM messages AS m WHERE m.queue = %(queue)s "
            "AND m.visible_at_ms <= %(now)s AND m.group_id IS NULL "
            "ORDER BY m.seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED",
            {**values, "limit": limit - len(rows)},
        ).fetchall()
    return rows
