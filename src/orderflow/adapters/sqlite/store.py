"""``SqliteStore``: the engine's records in one SQLite file, shared by several processes.

A write transaction is ``BEGIN IMMEDIATE`` (after the writers' turn, with
``writer_turns``; see ``turns``): it holds SQLite's write lock from its first statement,
so two receivers (in any processes) can never take the same message. The write
transactions of a process's threads that arrive while a commit is being synced share the
next commit (``group_commit``); each returns once its commit is synced. Reads use
deferred transactions and run beside the writer (WAL).
A commit that added messages signals their queues to every waiting receiver, in any
process (``signals``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from orderflow.adapters.sqlite.bus_tables import SqliteBusTables
from orderflow.adapters.sqlite.checkpoints import Checkpointer
from orderflow.adapters.sqlite.connection import DEFAULT_SYNCHRONOUS, open_connection, translate
from orderflow.adapters.sqlite.counters import SqliteCounters
from orderflow.adapters.sqlite.group_commit import MAX_MEMBERS, GroupCommit
from orderflow.adapters.sqlite.queue_tables import SqliteQueueTables
from orderflow.adapters.sqlite.signals import QueueSignals
from orderflow.adapters.sqlite.turns import WriterTurns
from orderflow.eventbus.errors import StoreError
from orderflow.eventbus.model.queues import NewMessage


class SqliteTransaction(SqliteQueueTables, SqliteBusTables, SqliteCounters):
    """Every table, inside one transaction on one connection; it notes which queues its
    commit must signal."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self.signalled: set[str] = set()
        self.signals_every_queue = False

    def add_messages(self, messages: Sequence[NewMessage]) -> None:
        super().add_messages(messages)
        self.signalled.update(message.queue for message in messages)

    def add_message(self, message: NewMessage) -> int:
        seq = super().add_message(message)
        self.signalled.add(message.queue)
        return seq

    def set_visible_at(self, seq: int, visible_at_ms: int) -> None:
        super().set_visible_at(seq, visible_at_ms)
        self.signals_every_queue = True  # the message may be visible sooner than awaited

    @property
    def connection(self) -> sqlite3.Connection:
        """The transaction's connection, for other tables that commit with the engine's."""
        return self._db


class SqliteStore:
    """The engine's store on one SQLite file (WAL), safe for several threads and processes."""

    concurrent_writers = False  # one writer at a time: SQLite's write lock

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = DEFAULT_SYNCHRONOUS,
        writer_turns: bool = False,
        max_group: int = MAX_MEMBERS,
    ) -> None:
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        self._db = open_connection(self.path, synchronous)
        # Checkpoints run on a thread of their own (adapters.sqlite.checkpoints).
        self._db.execute("PRAGMA wal_autocheckpoint = 0")
        self._lock = threading.RLock()
        self._turns = WriterTurns(self.path, enabled=writer_turns)
        self._groups = GroupCommit(
            self._db, self.path, self._lock, self._turns, max_members=max_group
        )
        self._checkpoints = Checkpointer(self.path, self.synchronous, self._lock, self._quiet_turn)
        self._signals = QueueSignals(self.path)

    @contextmanager
    def transaction(self) -> Iterator[SqliteTransaction]:
        """A write transaction, committed (and synced, per ``synchronous``) with the
        writes of this process's other threads that arrive meanwhile (``group_commit``)
        before this returns."""
        tx = SqliteTransaction(self._db)
        try:
            with self._groups.member():
                yield tx
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc
        self._checkpoints.committed()
        if tx.signalled or tx.signals_every_queue:
            self._signals.ring(tx.signalled, every_queue=tx.signals_every_queue)

    @contextmanager
    def reader(self) -> Iterator[SqliteTransaction]:
        try:
            with self._lock:
                self._groups.settle()  # a read sees only what is committed
                self._db.execute("BEGIN")
                try:
                    yield SqliteTransaction(self._db)
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    @contextmanager
    def _quiet_turn(self) -> Iterator[None]:
        """The writers' turn with no group open (for the checkpointer's RESTART, which
        holds the store's lock)."""
        with self._lock:
            self._groups.settle()
            with self._turns.turn():
                yield

    def queue_signal(self, queue: str) -> int:
        return self._signals.value(queue)

    def wait_for_signal(self, queue: str, seen: int, timeout_s: float) -> None:
        self._signals.wait(queue, seen, timeout_s)

    def close(self) -> None:
        self._checkpoints.close()
        self._signals.close()
        with self._lock:
            self._groups.settle()
            self._turns.close()
            try:
                self._db.close()
            except sqlite3.Error as exc:
                raise StoreError(f"Closing {self.path} failed: {exc}") from exc
