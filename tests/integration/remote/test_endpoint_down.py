"""The remote transport when the endpoint does not answer: a command still commits (its
event waits in the outbox), a worker says so in one line and goes on, and nothing is
counted against the outbox's rows, so an outage never gives up on an event (a row
tried waits for its lease to run out before the next try)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderflow.adapters.aws.clients import AwsConnection
from orderflow.bootstrap.system import System, open_system
from orderflow.entrypoints.system.ports import free_port
from orderflow.eventbus.clock import ManualClock
from orderflow.runtime.relay import LEASE_MS
from orderflow.runtime.transport import TransportUnavailable
from orderflow.services.inventory.records import set_stock
from orderflow.services.orders.records import CATALOG
from tests.support.orders import place_order


@pytest.fixture
def unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    system = open_system(
        tmp_path / "state.db",
        aws=AwsConnection(endpoint_url=url, region="us-east-1"),
        clock=ManualClock(),
    )
    with system.state.transaction() as state:
        state.put(CATALOG, "KB-001", {"sku": "KB-001", "name": "Keyboard", "price": "89.00"})
        set_stock(state, "KB-001", 5)
    yield system
    system.close()


def test_a_command_commits_and_its_event_waits_uncounted(
    unreachable: System, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="orderflow.relay"):
        order_id = place_order(unreachable, "ada", ("KB-001", 1, "89.00"))
    assert "a later sweep retries" in caplog.text
    assert unreachable.relay.publish_pending() == 0  # leased by the command's try: it waits
    clock = unreachable.clock
    assert isinstance(clock, ManualClock)
    for _ in range(3):  # each time its lease has run out, tried again, never counted
        clock.advance(ms=LEASE_MS)
        with pytest.raises(TransportUnavailable, match="did not answer"):
            unreachable.relay.publish_pending()
    with unreachable.state.reader() as state:
        assert state.get("orders.order", order_id) is not None
        [row] = state.pending_events(10)
    assert (row.failures, row.last_error) == (0, None)


def test_a_worker_round_fails_with_the_reason(unreachable: System) -> None:
    worker = unreachable.worker("inventory", wait_time_s=0)
    with pytest.raises(TransportUnavailable, match=r"GetQueueUrl: http.* did not answer"):
        worker.run_once()
