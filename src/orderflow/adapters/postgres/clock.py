"""``DatabaseClock``: the database server's time, so that hosts whose clocks disagree still
agree on visibility timeouts, delays and retention.

It reads ``clock_timestamp()`` from the server when made and every ``refresh_s`` seconds
after, and between readings advances with the local monotonic clock from the last one:
one query every few seconds, none per ``now_ms()``. A reading is placed at the middle of
its round trip. Time never goes back: a reading behind what was already returned (the
local clock ran fast) holds the clock until the server's catches up. When a reading
fails (the server unreachable, or no connection of the store's pool free within half a
second), the clock goes on from the last one, and tries again a second later; only the
first reading's failure is raised. One thread reads at a time; the others meanwhile go
on from the last reading, never waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final, Protocol

from orderflow.eventbus.errors import StoreError

REFRESH_S: Final = 5.0
_RETRY_S: Final = 1.0


class ServerTime(Protocol):
    """Where the server's time is read (``PostgresStore``)."""

    def server_time_ms(self) -> int: ...


class DatabaseClock:
    """A ``Clock`` on ``source``'s time; ``local``: the monotonic clock it advances with
    between readings (seconds, any origin)."""

    def __init__(
        self,
        source: ServerTime,
        *,
        refresh_s: float = REFRESH_S,
        local: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._refresh_s = refresh_s
        self._local = local
        self._reading = threading.Lock()
        self._lock = threading.Lock()
        self._base: tuple[int, float] = (0, 0.0)
        """The last reading: the server's ms, and the local time it stands for."""
        self._next_reading = 0.0
        self._last_ms = 0
        self._read()

    def _read(self) -> None:
        before = self._local()
        server_ms = self._source.server_time_ms()
        after = self._local()
        with self._lock:
            self._base = (server_ms, (before + after) / 2)
            self._next_reading = after + self._refresh_s

    def now_ms(self) -> int:
        if self._local() >= self._next_reading and self._reading.acquire(blocking=False):
            try:  # one thread reads; the others go on from the last reading meanwhile
                self._read()
            except StoreError:
                with self._lock:
                    self._next_reading = self._local() + _RETRY_S
            finally:
                self._reading.release()
        with self._lock:
            base_ms, base_local = self._base
            now = max(self._last_ms, base_ms + round((self._local() - base_local) * 1000))
            self._last_ms = now
            return now
