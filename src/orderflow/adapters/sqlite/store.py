"""``SqliteStore``: the engine's records in one SQLite file, shared by several processes.

A write transaction is ``BEGIN IMMEDIATE``: it holds SQLite's write lock from its
first statement, so two receivers (in any processes) can never take the same
message. Reads use deferred transactions and run beside the writer (WAL).
``wait_for_change`` notices commits by other processes through ``PRAGMA data_version``
and by this process's other threads directly.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from orderflow.adapters.sqlite.bus_tables import SqliteBusTables
from orderflow.adapters.sqlite.checkpoints import Checkpointer
from orderflow.adapters.sqlite.connection import open_connection, translate
from orderflow.adapters.sqlite.queue_tables import SqliteQueueTables
from orderflow.eventbus.errors import StoreError

_POLL_S: Final = 0.001


class SqliteTransaction(SqliteQueueTables, SqliteBusTables):
    """Every table, inside one transaction on one connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @property
    def connection(self) -> sqlite3.Connection:
        """The transaction's connection, for other tables that commit with the engine's."""
        return self._db


class SqliteStore:
    """The engine's store on one SQLite file (WAL), safe for several threads and processes."""

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        self.path = Path(path)
        self._db = open_connection(self.path, synchronous)
        # Checkpoints run on a thread of their own (adapters.sqlite.checkpoints).
        self._db.execute("PRAGMA wal_autocheckpoint = 0")
        self._lock = threading.RLock()
        self._checkpoints = Checkpointer(self.path, synchronous.upper(), self._lock)
        self._committed = threading.Condition()
        self._local_commits = 0
        self._seen_version = self._data_version()

    def _data_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    @contextmanager
    def _run(self, begin: str, *, writes: bool) -> Iterator[SqliteTransaction]:
        with self._lock:
            try:
                self._db.execute(begin)
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc
            try:
                yield SqliteTransaction(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise translate(exc, self.path) from exc
            self._seen_version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        if writes:
            self._checkpoints.committed()
            with self._committed:
                self._local_commits += 1
                self._committed.notify_all()

    @contextmanager
    def transaction(self) -> Iterator[SqliteTransaction]:
        try:
            with self._run("BEGIN IMMEDIATE", writes=True) as tx:
                yield tx
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    @contextmanager
    def reader(self) -> Iterator[SqliteTransaction]:
        try:
            with self._run("BEGIN", writes=False) as tx:
                yield tx
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    def wait_for_change(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        local = self._local_commits
        while True:
            if self._data_version() != self._seen_version:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            with self._committed:
                if self._local_commits != local:
                    return
                self._committed.wait(min(_POLL_S, remaining))

    def close(self) -> None:
        self._checkpoints.close()
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error as exc:
                raise StoreError(f"Closing {self.path} failed: {exc}") from exc
