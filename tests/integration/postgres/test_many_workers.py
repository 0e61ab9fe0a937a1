"""Many worker processes per consumer on one PostgreSQL database, on one host or two, while
a random worker is SIGKILLed every few hundred milliseconds and restarted.

Orders flow the whole time: half in stock (confirmed, one keyboard each), half out of
stock for a refund-eligible customer (the refund saga). At the end every order is where
its journey ends, and nothing is doubled or lost: the keyboards' stock moved once per
order, one refund per refunded order, one confirmation and one refund email each, no
event handled twice by one consumer, nothing left in a queue, a DLQ or an outbox.

With two hosts, half of each consumer's workers run in a network namespace of their
own (``tests.support.netns``), reaching PostgreSQL and the SMTP sink over a veth link.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from orderflow.bootstrap.system import System, install, open_system
from orderflow.entrypoints.system.ports import free_port
from orderflow.entrypoints.system.supervisor import Part, Supervisor
from orderflow.runtime.journal import Outcome
from orderflow.services.orders.records import ORDER
from orderflow.services.topology import SUBSCRIPTIONS
from tests.integration.system.running import wait_for
from tests.support.netns import Host, forward, other_host
from tests.support.orders import place_order

pytestmark = pytest.mark.postgres

WORKERS_PER_CONSUMER = 4
ORDERS = 40
STORM_S = 6.0
KILL_EVERY_S = 0.3
VISIBILITY_S = 2
"""The queues' visibility timeout here, so that what a killed worker held comes back soon."""


class Hosts(Supervisor):
    """The supervisor, with some parts on the other host (their --db and --smtp there)."""

    def __init__(self, *args: Any, elsewhere: dict[str, tuple[Host, list[str]]]) -> None:
        super().__init__(*args)
        self.elsewhere = elsewhere

    def command(self, part: Part) -> list[str]:
        if part.name not in self.elsewhere:
            return super().command(part)
        host, arguments = self.elsewhere[part.name]
        return host.command([sys.executable, "-m", "orderflow", *arguments])


def _place_while(system: System, stop_at: float, count: int) -> list[tuple[str, bool]]:
    """``count`` orders, spread until ``stop_at``: (order id, in stock) each."""
    placed: list[tuple[str, bool]] = []
    for n in range(count):
        in_stock = n % 2 == 0
        items = ("KB-001", 1, "89.00") if in_stock else ("LT-006", 2, "1899.00")
        placed.append((place_order(system, f"c-{n}", items, eligible=True), in_stock))
        time.sleep(max(0.0, (stop_at - time.monotonic()) / max(1, count - n)))
    return placed


@pytest.fixture
def system(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    monkeypatch.chdir(tmp_path)  # the sink's mailbox (.orderflow/) lands in the test's folder
    opened = open_system(postgres_url)
    install(opened)
    for subscription in SUBSCRIPTIONS.values():
        opened.engine.sqs.set_queue_attributes(
            subscription.queue, {"VisibilityTimeout": str(VISIBILITY_S)}
        )
    yield opened
    opened.close()


@pytest.mark.parametrize("hosts", [1, 2])
def test_workers_killed_at_random_on_one_database_double_and_lose_nothing(
    hosts: int, system: System, postgres_url: str
) -> None:
    sink_port = free_port()
    log: list[str] = []
    parts = [Part("mail-sink", ["mail-sink", "--host", "127.0.0.1", "--port", str(sink_port)])]
    elsewhere: dict[str, tuple[Host, list[str]]] = {}
    with ExitStack() as stack:
        host = stack.enter_context(other_host()) if hosts == 2 else None
        if host is not None:
            database = urlsplit(postgres_url)
            pg_port, smtp_port = free_port(), free_port()
            stack.enter_context(
                forward((host.gateway, pg_port), (database.hostname or "", database.port or 5432))
            )
            stack.enter_context(forward((host.gateway, smtp_port), ("127.0.0.1", sink_port)))
            there = database._replace(netloc=f"{database.username}@{host.gateway}:{pg_port}")
        for name in SUBSCRIPTIONS:
            for replica in range(WORKERS_PER_CONSUMER):
                smtp = f"127.0.0.1:{sink_port}"
                arguments = ["worker", name, "--retry-base", "1", "--no-install"]
                part = Part(f"{name}-{replica}", [*arguments, "--smtp", smtp])
                if host is not None and replica % 2:
                    smtp_there = f"{host.gateway}:{smtp_port}"
                    elsewhere[part.name] = (
                        host,
                        ["--db", there.geturl(), *arguments, "--smtp", smtp_there],
                    )
                parts.append(part)
        supervisor = Hosts(
            postgres_url,
            parts,
            lambda name, lines: log.extend(f"{name}: {line}" for line in lines),
            elsewhere=elsewhere,
        )
        supervisor.start()
        stack.callback(supervisor.stop)
        workers = [part.name for part in parts if part.name != "mail-sink"]
        wait_for(
            "every worker to start",
            lambda: sum(line.endswith(" started") for line in log) >= len(workers),
            90,
        )

        # Orders flow while a random worker is killed every few hundred ms.
        storm_ends = time.monotonic() + STORM_S
        kills = 0
        chooser = random.Random(12)
        placed: list[tuple[str, bool]] = []
        per_slice = max(1, round(ORDERS * KILL_EVERY_S / STORM_S))
        while time.monotonic() < storm_ends or len(placed) < ORDERS:
            batch = min(per_slice, ORDERS - len(placed))
            if batch:
                placed += _place_while(system, time.monotonic() + KILL_EVERY_S, batch)
            else:
                time.sleep(KILL_EVERY_S)
            if time.monotonic() < storm_ends:
                pid = supervisor.pid(chooser.choice(workers))
                if pid is not None:
                    with_suppressed_kill(pid)
                    kills += 1

        in_stock = [order_id for order_id, stocked in placed if stocked]
        refunded = [order_id for order_id, stocked in placed if not stocked]

        def settled() -> bool:
            with system.state.reader() as state:
                statuses = {doc["orderId"]: doc["status"] for doc in state.scan(ORDER)}
            return all(statuses.get(o) == "CONFIRMED" for o in in_stock) and all(
                statuses.get(o) == "REFUNDED" for o in refunded
            )

        wait_for("every journey to end", lambda: settled() or None, 120)
        mailbox = system.mailbox
        assert mailbox is not None
        try:
            wait_for(
                "every email",
                lambda: len(mailbox.messages()) >= len(placed) + len(refunded) or None,
                60,
            )
        except Exception:
            with system.state.reader() as state:
                unsent = state.unsent_mail(100)
            print("received", len(mailbox.messages()), "unsent", len(unsent), unsent[:2])
            print("\n".join(line for line in log if "mail" in line.lower())[-3000:])
            raise
        wait_for("the outboxes to empty", lambda: _outboxes_empty(system) or None, 30)

        assert kills >= STORM_S / KILL_EVERY_S / 2, kills
        with system.state.reader() as state:
            assert state.get("inventory.stock", "KB-001") == {
                "sku": "KB-001",
                "available": 500 - len(in_stock),
            }
            assert state.get("inventory.stock", "LT-006")["available"] == 1
            refunds = list(state.scan("refunds.refund"))
            journeys = [doc["correlationId"] for doc in state.scan(ORDER)]
            attempts = [a for c in journeys for a in state.attempts_of(c)]
        assert Counter(r["orderId"] for r in refunds) == Counter(refunded)
        assert all(r["status"] == "COMPLETED" for r in refunds)
        subjects = Counter(m["subject"].split(" ")[0] for m in mailbox.messages())
        assert subjects == {"Order": len(placed), "Refund": len(refunded)}, subjects
        processed = Counter(
            (a.consumer, a.event_id) for a in attempts if a.outcome is Outcome.PROCESSED
        )
        assert max(processed.values()) == 1, [k for k, v in processed.items() if v > 1]
        wait_for("every queue to drain", lambda: _queues_empty(system) or None, 30)
        for subscription in SUBSCRIPTIONS.values():  # and no DLQ ever took a message
            dlq = system.engine.sqs.get_queue_attributes(subscription.dead_letter_queue)
            assert dlq["ApproximateNumberOfMessages"] == "0", subscription.dead_letter_queue
        if host is not None:  # the other host's workers took part
            there_names = set(elsewhere)
            assert any(
                line.split(":", 1)[0] in there_names and "PROCESSED" in line for line in log
            ), "no worker on the other host handled anything"


def with_suppressed_kill(pid: int) -> None:
    """SIGKILL ``pid`` (a part that died meanwhile is no error: the supervisor restarts it)."""
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _outboxes_empty(system: System) -> bool:
    with system.state.reader() as state:
        return not state.pending_events(1) and not state.pending_mail(1)


def _queues_empty(system: System) -> bool:
    for subscription in SUBSCRIPTIONS.values():
        attributes = system.engine.sqs.get_queue_attributes(subscription.queue)
        if attributes["ApproximateNumberOfMessages"] != "0":
            return False
        if attributes["ApproximateNumberOfMessagesNotVisible"] != "0":
            return False
    return True
