"""The services' documents locked for a change, without deadlocks between workers.

A handler's read-modify-write of a document (one SKU's stock, one day's counters) takes
the document's transaction-scoped advisory lock (``pg_advisory_xact_lock`` on a hash of
``kind/key``), then reads it; the lock is held to the commit. A batch of messages locks
the documents of all its handlers, in the order they come, and two workers' batches may
come to the same documents in different orders: each would wait for the other, and
PostgreSQL would see the deadlock only after ``deadlock_timeout`` (a second, by default),
then roll one back. Under load that second was most of a worker's time.

So a transaction waits for a lock only while it holds none, or while it takes a whole
set in one order that every transaction shares (the locks' keys, ascending; SQL function
``svc_documents_for_update``, migration 0003). Any later lock is only tried
(``svc_document_try_for_update``); if another transaction holds it, this one raises
``DocumentsBusy``, naming every document it had locked and the one it wanted, and is
rolled back. Run again (``runtime.conflicts.again_on_conflict``), its first lock takes
that whole set in the shared order, so it waits its turn instead of failing again.

Why no deadlock is left: a transaction that waits while holding locks holds only keys
smaller than the one it waits for; around a cycle of waiters the keys would have to
grow forever. (Row locks outside documents are not covered: two deliveries of the same
event claimed at the same instant still meet on ``svc_processed``'s key, and PostgreSQL
resolves that rare case itself.)
"""

from __future__ import annotations

from collections.abc import Iterable

from orderflow.adapters.postgres.connection import Connection
from orderflow.eventbus.errors import TransactionConflict


def document_name(kind: str, key: str) -> str:
    """A document's name, as its lock's key is hashed from it."""
    return f"{kind}/{key}"


class DocumentsBusy(TransactionConflict):
    """A document the transaction needs is locked by another, and waiting for it while
    holding others could deadlock; ``documents`` is the set to take at once next time."""

    def __init__(self, wanted: str, documents: frozenset[str]) -> None:
        super().__init__(
            f"The document {wanted} is being changed by another transaction; this one "
            f"holds {len(documents) - 1} other document(s) and was rolled back, to take "
            "them all in order when it is run again."
        )
        self.documents = documents


class DocumentLocks:
    """The documents one write transaction locked. ``first``: the documents to take at
    once, in the shared order, with the first lock (what a rolled-back attempt wanted)."""

    def __init__(self, db: Connection, first: Iterable[str] = ()) -> None:
        self._db = db
        self._first = frozenset(first)
        self._held: set[str] = set()

    def read_for_update(self, kind: str, key: str) -> str | None:
        """Lock the document (waiting only where that cannot deadlock), then read it."""
        name = document_name(kind, key)
        if name in self._held:
            row = self._db.execute(
                "SELECT body FROM svc_documents WHERE kind = %s AND key = %s", (kind, key)
            ).fetchone()
            return None if row is None else str(row[0])
        if not self._held:
            wanted = self._first | {name}
            row = self._db.execute(
                "SELECT svc_documents_for_update(%s, %s, %s)", (sorted(wanted), kind, key)
            ).fetchone()
            self._held.update(wanted)
            return None if row is None or row[0] is None else str(row[0])
        row = self._db.execute(
            "SELECT locked, document FROM svc_document_try_for_update(%s, %s)", (kind, key)
        ).fetchone()
        assert row is not None
        if not row[0]:
            raise DocumentsBusy(name, frozenset(self._held | {name}))
        self._held.add(name)
        return None if row[1] is None else str(row[1])

    def lock(self, kind: str, key: str) -> None:
        """Lock a document about to be written without having been read."""
        if document_name(kind, key) not in self._held:
            self.read_for_update(kind, key)
