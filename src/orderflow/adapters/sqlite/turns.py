"""Writers' turns: the processes writing one database queue for its write lock in the
kernel, instead of polling SQLite for it.

SQLite lets one writer in at a time; one that finds the lock taken sleeps in its busy
handler, 1 ms, then 2, 5, 10 ms and more, and tries again. A transaction here holds the
lock for a fraction of a millisecond, so with the API and five consumers writing, most
of the time a waiting writer spends is sleep after the lock was free again: the cores
idled while the throughput stalled. So every write transaction first takes an exclusive
``flock`` on a small file beside the database (``<db>-lock``): the kernel queues the
waiters and wakes one as soon as the holder lets go, and BEGIN IMMEDIATE then finds the
lock free. The kernel drops a process's lock when it exits, however it exits (SIGKILL
included). A writer that doesn't take turns (another tool on the file) still gets
SQLite's busy handling, and so do orderflow's writers against it.

Whether it pays depends on the writers. The order system's processes hold the lock for
about a millisecond (a whole batch of handlers runs in the transaction), and sleeping
waiters cost it a fifth of its throughput; the bare engine's transactions last a tenth
of that, and there the kernel's wake-ups (every waiter, at every release) cost more than
the sleeps: ``bench/engine.py`` end to end loses about a tenth with turns. So a store
takes turns when asked (``SqliteStore(writer_turns=True)``, which ``open_system`` does),
and every store on the file stays correct either way: SQLite's lock is the lock.

A turn is not timed: a writer waits as long as the writer before it holds the lock (a
process stopped inside a transaction stops every writer until it goes on or dies). On
Windows, which has no ``flock``, writers rely on SQLite's busy handling alone.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

if sys.platform != "win32":
    import fcntl


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + "-lock")


class WriterTurns:
    """The turnstile of one database file, for one process (its threads serialise on the
    store's own lock before they come here); a turn is free when not ``enabled``."""

    def __init__(self, database: Path, *, enabled: bool = True) -> None:
        self.path = lock_path(database)
        self._descriptor: int | None = None
        if not enabled:
            return
        # A process that can't open the file for writing can't write the database either.
        with contextlib.suppress(OSError):
            self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the turn for the block (waiting for it first, as long as it takes)."""
        self.take()
        try:
            yield
        finally:
            self.give_back()

    def take(self) -> None:
        """Wait for the turn (as long as it takes) and hold it until ``give_back``, which
        any thread of the process may call."""
        if self._descriptor is not None and sys.platform != "win32":
            fcntl.flock(self._descriptor, fcntl.LOCK_EX)

    def give_back(self) -> None:
        if self._descriptor is not None and sys.platform != "win32":
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
