"""Identifiers: time-ordered UUIDs by default, injectable for deterministic tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Final

IdFactory = Callable[[], str]

_BATCH: Final = 64
_pool: list[str] = []  # ready ids of this process, taken with list.pop (atomic)
_fork_safe: list[bool] = []  # set once the pool is emptied in forked children


def _fill() -> None:
    if not _fork_safe:
        _fork_safe.append(True)
        os.register_at_fork(after_in_child=_pool.clear)  # a child must not reuse our ids
    raw = bytearray(os.urandom(16 * _BATCH))
    stamp = time.time_ns() // 1_000_000
    for start in range(0, 16 * _BATCH, 16):
        raw[start : start + 6] = stamp.to_bytes(6, "big")
        raw[start + 6] = (raw[start + 6] & 0x0F) | 0x70
        raw[start + 8] = (raw[start + 8] & 0x3F) | 0x80
    text = raw.hex()
    _pool.extend(
        f"{text[i : i + 8]}-{text[i + 8 : i + 12]}-{text[i + 12 : i + 16]}-"
        f"{text[i + 16 : i + 20]}-{text[i + 20 : i + 32]}"
        for i in range(0, 32 * _BATCH, 32)
    )


def new_uuid() -> str:
    """A time-ordered (version 7, RFC 9562) UUID in its canonical text form.

    The first 48 bits are the Unix time in milliseconds and 74 of the rest are random, so
    ids made one after another sort together: every index keyed by message, event or
    correlation id then grows at its right edge instead of dirtying a random page per
    insert. The random bytes are read 64 ids at a time (``os.urandom`` is a system call
    that releases the GIL, and a PutEvents of ten events to three queues needs forty ids);
    the 64 share the millisecond they were drawn in."""
    while True:
        try:
            return _pool.pop()
        except IndexError:
            _fill()
