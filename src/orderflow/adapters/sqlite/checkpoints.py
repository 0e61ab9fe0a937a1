"""Checkpointing the WAL on a background thread, so that no transaction waits for it.

SQLite checkpoints automatically in the connection whose commit takes the WAL past 1,000
pages: that commit then copies the WAL into the database file and syncs both (with
``synchronous=NORMAL`` these are the only syncs), about 10 ms every hundred PutEvents of
ten events, half of what committing cost the publisher and the consumers (see
docs/benchmarks.md). The store turns that off on its own connection and runs the same
checkpoints here, on a second connection with the same ``synchronous`` level (the syncs
that keep the database file safe happen exactly as before): a passive checkpoint, which
waits for nobody, at most every ``PAUSE_S`` while this process writes.

Under a sustained stream of commits a passive checkpoint never finds the WAL fully
copied at a moment no writer has added to it, so SQLite never rewinds it and the file
would keep growing. Once it holds ``RESTART_FRAMES`` pages, ``committed`` tells the
store's writer to run a RESTART checkpoint itself, right after its commit: it copies the
little the passive ones left and makes the next writer start the WAL over. (Run from
this thread it would lose every race for the write lock against a busy writer: SQLite's
busy handler sleeps milliseconds between tries.)

What is committed is durable whether a checkpoint ran or not (it is in the WAL, which the
next opener replays): this thread only decides when the copying happens.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Final

PAUSE_S: Final = 0.05
RESTART_FRAMES: Final = 4_000
"""About 16 MB of WAL (4 KiB pages)."""
_BUSY_TIMEOUT_MS: Final = 10_000


class Checkpointer:
    """A daemon thread that checkpoints the WAL of ``path`` after this process's commits.

    Started by the first commit, stopped by ``close``; a failed checkpoint is left for the
    next one (or for SQLite when the last connection closes).
    """

    def __init__(self, path: Path, synchronous: str) -> None:
        self._path = path
        self._synchronous = synchronous
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self._frames = 0  # the WAL's size in pages, as the last checkpoint found it

    def committed(self) -> bool:
        """This process committed a write transaction: a checkpoint is due soon. True when
        the caller should now run a RESTART checkpoint (the WAL is too long)."""
        if self._frames >= RESTART_FRAMES:
            self._frames = 0
            return True
        if self._wake.is_set():
            return False
        if self._thread is None:
            with self._guard:
                if self._thread is None and not self._closing:
                    self._thread = threading.Thread(
                        target=self._run, name=f"orderflow-checkpoint {self._path}", daemon=True
                    )
                    self._thread.start()
        self._wake.set()
        return False

    def close(self) -> None:
        """Stop the thread (after the checkpoint it may be running)."""
        with self._guard:
            self._closing = True
            thread = self._thread
        self._stop.set()
        self._wake.set()
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
                if self._stop.is_set():
                    return
                self._wake.clear()
                self._checkpoint(connection)
                if self._stop.wait(PAUSE_S):
                    return
        except sqlite3.Error:
            return
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.OperationalError:
            return  # busy or locked: the next checkpoint will do it
        if row is not None:
            self._frames = int(row[1])


def restart_wal(connection: sqlite3.Connection) -> None:
    """A RESTART checkpoint on ``connection`` (outside any transaction); skipped if busy."""
    with contextlib.suppress(sqlite3.OperationalError):
        connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
