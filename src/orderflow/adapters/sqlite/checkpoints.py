"""Checkpointing the WAL on a background thread, so that no transaction waits for it.

SQLite checkpoints automatically in the connection whose commit takes the WAL past 1,000
pages: that commit then copies the WAL into the database file and syncs both (with
``synchronous=NORMAL`` these are the only syncs), about 10 ms every hundred PutEvents of
ten events, half of what committing cost the publisher and the consumers (see
docs/benchmarks.md). The store turns that off on its own connection and runs the same
checkpoints here, on a second connection with the same ``synchronous`` level (the syncs
that keep the database file safe happen exactly as before): a passive checkpoint, which
waits for nobody, once this process has committed ``COMMITS`` write transactions since the
last one, or ``IDLE_PAUSE_S`` after its first commit since then, whichever comes first,
and never twice within ``PAUSE_S``. (Each checkpoint syncs two files, and syncs slow down
every process's commits: checkpointing every 50 ms at 200 events/s raised the p99
latency from about 2 to 3-5 ms.)

Under a sustained stream of commits a passive checkpoint never finds the WAL fully
copied at a moment no writer has added to it, so SQLite never rewinds it and the file
would keep growing. Once it holds ``RESTART_FRAMES`` pages, the passive checkpoint is
followed at once by a RESTART one, run while holding the store's lock and the writers'
turn (``turns``) so that no orderflow writer starts a transaction meanwhile (else the
RESTART would lose every race for the write lock against a busy writer: SQLite's busy
handler sleeps milliseconds between tries): it copies the little the passive one left
and makes the next writer start the WAL over. The store's writers wait for those few milliseconds.

What is committed is durable whether a checkpoint ran or not (it is in the WAL, which the
next opener replays): this thread only decides when the copying happens.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Final

PAUSE_S: Final = 0.05
IDLE_PAUSE_S: Final = 1.0
COMMITS: Final = 100
RESTART_FRAMES: Final = 10_000
"""About 40 MB of WAL (4 KiB pages)."""
_BUSY_TIMEOUT_MS: Final = 10_000
_LOCK_WAIT_S: Final = 1.0


class Checkpointer:
    """A daemon thread that checkpoints the WAL of ``path`` after this process's commits.

    Started by the first commit, stopped by ``close``; a failed checkpoint is left for the
    next one (or for SQLite when the last connection closes).
    """

    def __init__(
        self,
        path: Path,
        synchronous: str,
        store_lock: threading.RLock,
        writer_turn: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self._path = path
        self._store_lock = store_lock
        self._writer_turn = writer_turn
        self._synchronous = synchronous
        self._wake = threading.Event()  # a commit since the last checkpoint
        self._due = threading.Event()  # COMMITS commits since the last checkpoint
        self._commits = 0  # approximate: counted without a lock
        self._stop = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def committed(self) -> None:
        """This process committed a write transaction: a checkpoint is due soon."""
        self._commits += 1
        if self._commits >= COMMITS and not self._due.is_set():
            self._due.set()
        if self._wake.is_set():
            return
        if self._thread is None:
            with self._guard:
                if self._thread is None and not self._closing:
                    self._thread = threading.Thread(
                        target=self._run, name=f"orderflow-checkpoint {self._path}", daemon=True
                    )
                    self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop the thread (after the checkpoint it may be running)."""
        with self._guard:
            self._closing = True
            thread = self._thread
        self._stop.set()
        self._wake.set()
        self._due.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(
                self._path,
                isolation_level=None,
                check_same_thread=False,
                timeout=_BUSY_TIMEOUT_MS / 1000,
            )
        except sqlite3.Error:
            return
        try:
            connection.execute(f"PRAGMA synchronous = {self._synchronous}")
            while True:
                self._wake.wait()
                self._due.wait(IDLE_PAUSE_S)
                if self._stop.is_set():
                    return
                self._wake.clear()
                self._due.clear()
                self._commits = 0
                self._checkpoint(connection)
                if self._stop.wait(PAUSE_S):
                    return
        except sqlite3.Error:
            return
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # busy: the next one will do it
            row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if row is None or int(row[1]) < RESTART_FRAMES:
                return
            # Bounded: a store closed from inside its own transaction must not wait for us.
            if self._store_lock.acquire(timeout=_LOCK_WAIT_S):
                try:
                    with self._writer_turn():
                        connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
                finally:
                    self._store_lock.release()
