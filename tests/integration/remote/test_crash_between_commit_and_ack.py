"""Exactly-once effects on the remote (at-least-once) transport, under SIGKILL.

A consumer's worker, on the AWS APIs of ``orderflow serve`` on loopback, kills itself
(SIGKILL) right after its state transaction committed: before DeleteMessageBatch (so
the messages come back), before the outbox's PutEvents (so its events wait in the
outbox), or after PutEvents accepted them but before their rows were marked (so they
are published twice). Restarted, the system finishes the journeys, and the counts are
those of a run without a crash: stock moved once, one refund, one email each, every
outbox row published, each event handled once by each consumer (a redelivery or a
second publication is a DUPLICATE).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderflow.adapters.aws.clients import AwsConnection
from orderflow.adapters.memory.mailer import MemoryMailer
from orderflow.bootstrap import open_engine
from orderflow.bootstrap.system import System, install, open_system
from orderflow.entrypoints.aws_api import serve_in_thread
from orderflow.eventbus.clock import ManualClock, SystemClock
from orderflow.runtime.journal import Outcome
from orderflow.runtime.relay import LEASE_MS
from orderflow.services.topology import SUBSCRIPTIONS, VISIBILITY_TIMEOUT_S
from tests.integration.reliability.workers import REPO_ROOT, subprocess_env
from tests.support.orders import place_order

MODULE = "tests.integration.remote.crashing_worker"


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[tuple[str, ManualClock]]:
    """``orderflow serve`` over a fresh database, its queues on a clock the test moves."""
    clock = ManualClock()
    engine = open_engine(tmp_path / "endpoint.db", clock=clock)
    with serve_in_thread(engine) as running:
        yield running.url, clock
    engine.store.close()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")


def settle(system: System, mailer: MemoryMailer) -> None:
    """Every consumer, in this process, until a whole pass does nothing."""
    workers = [
        system.worker(name, mailer=mailer if name == "notification" else None, wait_time_s=0)
        for name in SUBSCRIPTIONS
    ]
    for _ in range(50):
        reports = [worker.run_once() for worker in workers]
        if not any(r.received or r.published or r.mailed for r in reports):
            return
    raise AssertionError("the system did not settle")


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("point", ["acknowledge", "put_events", "put_events_answered"])
def test_a_worker_killed_after_its_commit_doubles_no_effect(
    point: str, endpoint: tuple[str, ManualClock], tmp_path: Path
) -> None:
    url, endpoint_clock = endpoint
    state_db = tmp_path / "state.db"
    # The restarted workers' time, which the test moves past the dead worker's leases.
    clock = ManualClock(SystemClock().now_ms())
    system = open_system(
        state_db, aws=AwsConnection(endpoint_url=url, region="us-east-1"), clock=clock
    )
    try:
        install(system)
        in_stock = place_order(system, "ada", ("KB-001", 1, "89.00"))
        out_of_stock = place_order(system, "bob", ("LT-006", 2, "1899.00"), eligible=True)

        crashed = subprocess.run(
            [sys.executable, "-m", MODULE, str(state_db), url, "inventory", point],
            cwd=REPO_ROOT,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert crashed.returncode == -9, crashed.stdout + crashed.stderr
        assert f"CRASH {point}" in crashed.stdout
        with system.state.reader() as state:  # the commit happened before the crash
            assert state.get("inventory.stock", "KB-001") == {"sku": "KB-001", "available": 499}
            pending = state.pending_events(100)
        if point != "acknowledge":
            assert {row.event.detail_type for row in pending} == {
                "InventoryReserved",
                "InventoryOutOfStock",
            }
        # The messages the dead worker held come back once their visibility runs out, and
        # the outbox rows it had leased are another relay's once their lease runs out.
        endpoint_clock.advance(seconds=VISIBILITY_TIMEOUT_S + 1)
        clock.advance(ms=SystemClock().now_ms() - clock.now_ms() + LEASE_MS + 1)
        mailer = MemoryMailer()
        settle(system, mailer)

        with system.state.reader() as state:
            assert state.get("inventory.stock", "KB-001")["available"] == 499
            assert state.get("inventory.stock", "LT-006")["available"] == 1
            assert len(list(state.scan("refunds.refund"))) == 1
            assert state.get("orders.order", in_stock)["status"] == "CONFIRMED"
            assert state.get("orders.order", out_of_stock)["status"] == "REFUNDED"
            assert state.pending_events(100) == []
            journeys = [doc["correlationId"] for doc in state.scan("orders.order")]
            attempts = [a for c in journeys for a in state.attempts_of(c)]
            published = [row for c in journeys for row in state.events_of(c)]
        assert all(row.published_ms is not None for row in published)
        kinds = sorted(mail.kind for mail in mailer.sent)
        assert kinds == ["confirmation", "confirmation", "refund"]
        assert len({mail.message_id for mail in mailer.sent}) == len(mailer.sent)
        processed = Counter(
            (a.consumer, a.event_id) for a in attempts if a.outcome is Outcome.PROCESSED
        )
        assert processed and max(processed.values()) == 1, processed
        redelivered = [a for a in attempts if a.outcome is Outcome.DUPLICATE]
        twice = sorted({(a.consumer, a.detail_type) for a in redelivered})
        if point == "acknowledge":  # both OrderCreated came back to inventory, and did nothing
            assert sorted((a.consumer, a.detail_type) for a in redelivered) == [
                ("inventory", "OrderCreated"),
                ("inventory", "OrderCreated"),
            ]
        elif point == "put_events":
            assert redelivered == []
        else:  # inventory's answers reached their consumers twice, and did nothing again
            assert ("order-processing", "InventoryReserved") in twice, twice
            assert ("refund", "InventoryOutOfStock") in twice, twice
            assert all(consumer != "inventory" for consumer, _ in twice), twice
    finally:
        system.close()
