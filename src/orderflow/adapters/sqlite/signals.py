"""Queue signals: a commit that may have made a queue's messages visible tells every
process long-polling that queue, without any of them reading the database.

Long polling used to wake at every commit to the file (``PRAGMA data_version``), and each
waiting receiver then looked in the database for its queue: with five consumers and a
commit per order, most of that work found nothing. Now a small file beside the database
(``<db>-signals``), mapped into memory by every process that opens it, holds one 8-byte
slot per queue name (by its CRC-32; two queues sharing a slot only wake each other for
nothing) plus slot 0, which stands for every queue. A committed transaction that added
messages writes a fresh value into their queues' slots; one whose change may concern any
queue (a message's visibility changed) writes slot 0. A receiver reads its queue's
signal before it looks, and when it found nothing, waits until the signal moves,
checking the mapped memory every millisecond (every 5 ms once it has waited 0.1 s).

The values written are never reused (a random prefix per process, a counter per ring), so
two processes ringing at once can't write the value a waiter already saw. A lost or torn
write can only delay a waiter, and receivers bound every wait anyway (a second at most):
the signal saves work, the database stays the truth.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import secrets
import struct
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Final

SLOTS: Final = 1024
_SLOT: Final = struct.Struct("<Q")
_EVERY_QUEUE: Final = 0
_CHECK_EVERY_S: Final = 0.001
_IDLE_CHECK_EVERY_S: Final = 0.005
_IDLE_AFTER_S: Final = 0.1
"""A wait that has lasted this long checks five times less often: an idle consumer then
costs a fifth of the CPU, and a message that ends a long wait is seen within 5 ms."""


def signals_path(database: Path) -> Path:
    return database.with_name(database.name + "-signals")


def _mapped(path: Path) -> tuple[mmap.mmap, bool]:
    """The slots, and whether this process may write them: read-only where it may only read
    the file (it can't write the database either); anonymous memory where it can't even
    do that (its long polls then look again every time a wait runs out)."""
    size = SLOTS * _SLOT.size
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.fstat(descriptor).st_size < size:
                os.ftruncate(descriptor, size)  # zeros; harmless if another process did
            return mmap.mmap(descriptor, size), True
        finally:
            os.close(descriptor)
    with contextlib.suppress(OSError, ValueError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            return mmap.mmap(descriptor, size, access=mmap.ACCESS_READ), False
        finally:
            os.close(descriptor)
    return mmap.mmap(-1, size), False


class QueueSignals:
    """The signal slots of one database, shared by every process that opens them."""

    def __init__(self, database: Path) -> None:
        self.path = signals_path(database)
        self._map, self._writable = _mapped(self.path)
        self._prefix = secrets.randbits(32) << 32
        self._rings = 0
        self._lock = threading.Lock()

    @staticmethod
    def _offset(queue: str) -> int:
        return (1 + zlib.crc32(queue.encode()) % (SLOTS - 1)) * _SLOT.size

    def value(self, queue: str) -> int:
        """What moves when ``queue`` (or every queue) is rung: read it before looking."""
        return self._value_at(self._offset(queue))

    def _value_at(self, offset: int) -> int:
        own: int = _SLOT.unpack_from(self._map, offset)[0]
        every: int = _SLOT.unpack_from(self._map, _EVERY_QUEUE)[0]
        return own ^ every

    def ring(self, queues: Iterable[str], *, every_queue: bool = False) -> None:
        """Tell whoever waits on these queues (or on any queue) that something committed."""
        if not self._writable:
            return
        offsets = {_EVERY_QUEUE} if every_queue else {self._offset(q) for q in queues}
        with self._lock:
            for offset in offsets:
                self._rings = (self._rings + 1) & 0xFFFF_FFFF
                _SLOT.pack_into(self._map, offset, self._prefix | self._rings)

    def wait(self, queue: str, seen: int, timeout_s: float) -> None:
        """Return once ``value(queue)`` is no longer ``seen``, or after ``timeout_s``."""
        offset = self._offset(queue)  # once: the loop checks a thousand times a second
        started = time.monotonic()
        deadline = started + timeout_s
        while self._value_at(offset) == seen:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                return
            every = _CHECK_EVERY_S if now - started < _IDLE_AFTER_S else _IDLE_CHECK_EVERY_S
            time.sleep(min(every, remaining))

    def close(self) -> None:
        self._map.close()
