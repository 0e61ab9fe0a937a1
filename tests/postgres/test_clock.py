"""The database's clock: hosts whose own clocks disagree agree on the server's time, so
that a message one host received stays invisible to the others for its timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest

from orderflow.adapters.postgres import DatabaseClock, PostgresStore
from orderflow.eventbus.clock import SystemClock
from orderflow.eventbus.errors import StoreError
from orderflow.eventbus.queues import Queues

DAY_S = 86_400.0


class LocalClock:
    """A host's monotonic clock, moved by hand (its origin is anything)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Server:
    """A server's clock, moved by hand, counting its readings (or failing them)."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms
        self.readings = 0
        self.down = False

    def server_time_ms(self) -> int:
        if self.down:
            raise StoreError("PostgreSQL is not reachable")
        self.readings += 1
        return self.now_ms


class SkewedClock:
    """A host whose system clock is ``skew_ms`` ahead."""

    def __init__(self, skew_ms: int) -> None:
        self.skew_ms = skew_ms

    def now_ms(self) -> int:
        return SystemClock().now_ms() + self.skew_ms


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresStore]:
    made = PostgresStore(postgres_url)
    yield made
    made.close()


def server_now_ms(url: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
def test_clocks_on_skewed_local_bases_agree_with_the_server(
    store: PostgresStore, postgres_url: str
) -> None:
    behind = DatabaseClock(store, local=lambda: time.monotonic() - DAY_S)
    ahead = DatabaseClock(store, local=lambda: time.monotonic() + 3 * DAY_S)
    server = server_now_ms(postgres_url)
    assert abs(behind.now_ms() - server) < 50
    assert abs(ahead.now_ms() - server) < 50
    assert abs(behind.now_ms() - ahead.now_ms()) < 20


def test_between_readings_the_clock_advances_with_the_local_one() -> None:
    server, local = Server(1_000_000), LocalClock(-5_000.0)
    clock = DatabaseClock(server, refresh_s=5, local=local)
    assert (clock.now_ms(), server.readings) == (1_000_000, 1)
    local.now += 2.5
    server.now_ms += 60_000  # the server's clock is read only every refresh_s
    assert (clock.now_ms(), server.readings) == (1_002_500, 1)
    local.now += 2.5
    assert (clock.now_ms(), server.readings) == (1_060_000, 2)  # read again


def test_the_clock_never_goes_back_when_the_local_clock_ran_fast() -> None:
    server, local = Server(1_000_000), LocalClock(0.0)
    clock = DatabaseClock(server, refresh_s=5, local=local)
    local.now += 10  # the host says 10 s went by; the server, 9
    server.now_ms += 9_000
    assert clock.now_ms() == 1_009_000  # read again: the server's time
    local.now += 1
    server.now_ms += 1_000
    assert clock.now_ms() == 1_010_000
    before = clock.now_ms()
    local.now += 4.9
    assert clock.now_ms() >= before


def test_a_failed_reading_goes_on_from_the_last_and_is_tried_again_a_second_later() -> None:
    server, local = Server(1_000_000), LocalClock(0.0)
    clock = DatabaseClock(server, refresh_s=5, local=local)
    server.down = True
    local.now += 6
    assert clock.now_ms() == 1_006_000
    server.down = False
    local.now += 0.5
    assert (clock.now_ms(), server.readings) == (1_006_500, 1)  # not yet
    server.now_ms = 1_007_000
    local.now += 0.5
    assert (clock.now_ms(), server.readings) == (1_007_000, 2)


def test_the_first_reading_failing_is_the_callers_error() -> None:
    server = Server(0)
    server.down = True
    with pytest.raises(StoreError, match="not reachable"):
        DatabaseClock(server)


@pytest.mark.postgres
def test_hosts_with_skewed_clocks_agree_on_a_visibility_timeout(postgres_url: str) -> None:
    stores = [PostgresStore(postgres_url) for _ in range(3)]
    try:
        here = Queues(stores[0], DatabaseClock(stores[0], local=lambda: time.monotonic() - DAY_S))
        here.create_queue("orders", {"VisibilityTimeout": "30"})
        here.send_message("orders", "m")
        assert len(here.receive_message("orders")) == 1  # in flight for 30 s
        on_server_time = Queues(
            stores[1], DatabaseClock(stores[1], local=lambda: time.monotonic() + DAY_S)
        )
        assert on_server_time.receive_message("orders") == []
        one_minute_ahead = Queues(stores[2], SkewedClock(60_000))
        assert len(one_minute_ahead.receive_message("orders")) == 1  # what a skew does
    finally:
        for store in stores:
            store.close()
