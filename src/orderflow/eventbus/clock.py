"""Time, injected: the engine never reads the system clock directly.

Visibility timeouts, delays, retention, retry backoff and archive windows all
take "now" from a ``Clock``, so tests move time forward instead of sleeping.
Times are integer milliseconds since the Unix epoch (UTC), as SQS reports them.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol


class Clock(Protocol):
    """Where the engine gets the current time."""

    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch."""
        ...


class SystemClock:
    """The real time."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that moves only when told to (for tests and simulations); thread-safe."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01T00:00:00Z
        self._now = start_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            return self._now

    def advance(self, *, ms: int = 0, seconds: float = 0) -> None:
        """Move time forward."""
        with self._lock:
            self._now += ms + round(seconds * 1000)


def to_datetime(ms: int) -> datetime:
    """A timezone-aware UTC datetime for a millisecond timestamp."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@lru_cache(maxsize=256)
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_iso(ms: int) -> str:
    """RFC 3339 UTC with a ``Z``, as EventBridge writes event times (second precision)."""
    return _iso_second(ms // 1000)
