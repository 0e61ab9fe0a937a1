"""Group commit: the write transactions of one process's threads that arrive while a
commit is being synced share the next commit, and each returns only once it is synced.

With ``synchronous=FULL`` every COMMIT waits for an fsync of the WAL. The connection (and
SQLite's write lock) is busy meanwhile, so the writers that arrive queue for it. Here
the first writer to get the connection opens a *group* (``BEGIN IMMEDIATE``, after the
writers' turn); each writer runs its work in it, and leaves the group open for the
next one if another writer is waiting for the connection, else commits it. One fsync
then makes the whole group durable, and only then does any member return.

- A member's work is all or nothing, as alone: the first member's is the transaction's
  beginning (an error rolls back the transaction, which held nothing else); each later
  member's runs in a SAVEPOINT, rolled back to on error. A member that fails (a
  validation error, a missing queue) leaves the others' work in place and raises its
  own error at once: nothing of it will be committed.
- If the COMMIT fails (disk full, I/O error), or a member's error broke the transaction
  itself, every member still in the group gets that error: nothing of any of them
  was written (SQLite rolls the transaction back whole).
- A group takes at most ``MAX_MEMBERS`` members: the write lock, which every other
  process wants too, is held from its first member's work to its commit.
- Whoever else takes the connection (a read, the checkpointer, ``close``) commits the
  open group first: a read never sees work that is not committed.

Only the threads of one process group: SQLite commits per connection, and each process
has its own. (Whether it pays: docs/benchmarks.md, "Group commit".)
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from orderflow.adapters.sqlite.connection import translate
from orderflow.adapters.sqlite.turns import WriterTurns
from orderflow.eventbus.errors import StoreError

MAX_MEMBERS: Final = 32
_SAVEPOINT: Final = "orderflow_member"


@dataclass
class _Group:
    """One open transaction and the members that ran in it."""

    members: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    failure: StoreError | None = None


class GroupCommit:
    """The write transactions of one connection, committed in groups (module docstring).

    ``lock`` guards the connection (readers and the checkpointer take it too);
    ``turns`` is taken when a group begins and given back when it ends.
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        lock: threading.RLock,
        turns: WriterTurns,
        *,
        max_members: int = MAX_MEMBERS,
    ) -> None:
        self._db = connection
        self._path = path
        self._lock = lock
        self._turns = turns
        self._max_members = max_members
        self._open: _Group | None = None
        self._waiting = 0  # writers waiting for the connection
        self._count = threading.Lock()

    @contextmanager
    def member(self) -> Iterator[None]:
        """Run the block as a member of a group; return once its commit is synced."""
        with self._count:
            self._waiting += 1
        self._lock.acquire()
        with self._count:
            self._waiting -= 1
        try:
            group = self._open or self._begin()
            first = group.members == 0
            try:
                if not first:
                    self._execute(f"SAVEPOINT {_SAVEPOINT}")
                yield
                if not first:
                    self._execute(f"RELEASE {_SAVEPOINT}")
            except BaseException as error:
                self._undo(group, first, error)
                raise
            group.members += 1
            if not self._leave_open(group):
                self._commit(group)
        finally:
            self._lock.release()
        group.done.wait()  # the member that commits the group, or the next reader, sets it
        if group.failure is not None:
            raise group.failure

    def settle(self) -> None:
        """Commit the open group, if any (the caller holds the connection's lock)."""
        if self._open is not None:
            self._commit(self._open)

    def _begin(self) -> _Group:
        self._turns.take()
        try:
            self._execute("BEGIN IMMEDIATE")
        except BaseException:
            self._turns.give_back()
            raise
        self._open = _Group()
        return self._open

    def _undo(self, group: _Group, first: bool, error: BaseException) -> None:
        """Roll back the failed member's work alone; if the transaction went with it (the
        first member's, or SQLite gave it up), end the group with it."""
        try:
            if first:
                self._rollback()
            elif self._db.in_transaction:
                self._db.execute(f"ROLLBACK TO {_SAVEPOINT}")
                self._db.execute(f"RELEASE {_SAVEPOINT}")
        except sqlite3.Error:
            self._rollback()
        if not self._db.in_transaction:
            self._end(group, self._lost(error) if group.members else None)
        elif not self._leave_open(group):
            self._commit(group)  # the earlier members' work

    def _leave_open(self, group: _Group) -> bool:
        """Whether to leave the group to the next writer: one waits, and there is room."""
        with self._count:
            waiting = self._waiting
        return waiting > 0 and group.members < self._max_members and self._db.in_transaction

    def _commit(self, group: _Group) -> None:
        failure: StoreError | None = None
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            failure = translate(exc, self._path)
            self._rollback()
        self._end(group, self._shared(failure, group) if failure else None)

    def _end(self, group: _Group, failure: StoreError | None) -> None:
        group.failure = failure
        if self._open is group:
            self._open = None
            self._turns.give_back()
        group.done.set()

    def _rollback(self) -> None:
        """Roll back what is left of the transaction (SQLite may have done it already:
        a COMMIT that found the disk full rolls back by itself)."""
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def _lost(self, error: BaseException) -> StoreError:
        reason = (
            translate(error, self._path)
            if isinstance(error, sqlite3.Error)
            else StoreError(f"The transaction was lost: {error}")
        )
        return _as_shared(reason)

    @staticmethod
    def _shared(failure: StoreError, group: _Group) -> StoreError:
        return _as_shared(failure) if group.members > 1 else failure

    def _execute(self, statement: str) -> None:
        try:
            self._db.execute(statement)
        except sqlite3.Error as exc:
            raise translate(exc, self._path) from exc


def _as_shared(failure: StoreError) -> StoreError:
    """The failure as every member of a group sees it: the same type (a full disk stays
    ``DiskFull``), saying that none of the group was written."""
    shared = type(failure)(
        f"{failure} The call was committed together with others; none of them was written."
    )
    shared.__cause__ = failure.__cause__ or failure
    return shared
