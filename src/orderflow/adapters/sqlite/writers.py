"""Writers take turns on an advisory file lock beside the database (``NAME.writers``).

Several processes write the same SQLite file. SQLite makes a blocked writer retry on a
timer (its busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ... ms), so under contention the
lock often sits free while every writer sleeps. ``flock`` instead queues the waiters in
the kernel and wakes one as soon as the holder releases, so write transactions follow
each other back to back. The lock is released by the kernel when a process dies
(SIGKILL included), so a crash never leaves it held. SQLite's own locking still guards
the file (other programs, and this lock's absence on a read-only folder).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriterQueue:
    """An exclusive ``flock`` held around each write transaction of this process."""

    def __init__(self, database: Path) -> None:
        self._fd: int | None
        try:
            self._fd = os.open(f"{database}.writers", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            self._fd = None  # a read-only folder: SQLite's locking alone

    @contextmanager
    def turn(self) -> Iterator[None]:
        if self._fd is None:
            yield
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
