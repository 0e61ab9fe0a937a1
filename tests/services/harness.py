"""Driving the whole system in memory: every consumer's worker, round after round."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from orderflow.adapters.memory.mailer import MemoryMailer
from orderflow.bootstrap.system import System, install, memory_system
from orderflow.eventbus.clock import ManualClock, to_iso
from orderflow.runtime.worker import Worker
from orderflow.services.orders import commands
from orderflow.services.topology import SUBSCRIPTIONS


@dataclass
class Harness:
    system: System
    clock: ManualClock
    mailer: MemoryMailer
    workers: dict[str, Worker]

    @contextmanager
    def command(self, correlation_id: str | None = None) -> Iterator[commands.CommandContext]:
        with self.system.state.transaction() as state:
            now = self.clock.now_ms()
            yield commands.CommandContext(
                state, now, to_iso(now), self.system.new_id, correlation_id
            )
        self.system.relay.publish_pending()

    def place(
        self,
        *items: tuple[str, int, str],
        customer: str = "u-1",
        eligible: bool = True,
        currency: str = "USD",
    ) -> str:
        with self.command() as ctx:
            order, _ = commands.place(
                ctx,
                commands.PlaceOrder(
                    customer_id=customer,
                    currency=currency,
                    channel="web",
                    items=[(sku, qty, Decimal(price)) for sku, qty, price in items],
                    refund_eligible=eligible,
                    payment_method="card",
                ),
            )
        return order.order_id

    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        result = self.system.engine.events.put_events(
            [
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": orjson.dumps(detail).decode(),
                    "EventBusName": "orders",
                }
            ]
        )
        assert result.failed_entry_count == 0, result.as_aws()

    def settle(self, max_rounds: int = 50) -> int:
        """Run every worker until a whole pass does nothing; how many messages were handled."""
        handled = 0
        for _ in range(max_rounds):
            did = 0
            for worker in self.workers.values():
                report = worker.run_once()
                did += report.received + report.published + report.mailed
            handled += did
            if did == 0:
                return handled
        raise AssertionError("the system did not settle")

    def order(self, order_id: str) -> dict[str, Any]:
        with self.system.state.reader() as state:
            document = state.get("orders.order", order_id)
        assert document is not None
        return document

    def stock(self, sku: str) -> int:
        with self.system.state.reader() as state:
            document = state.get("inventory.stock", sku)
        assert document is not None
        return int(document["available"])

    def depth(self, queue: str) -> int:
        attributes = self.system.engine.sqs.get_queue_attributes(queue)
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


def make_harness() -> Harness:
    clock = ManualClock()
    system = memory_system(clock)
    install(system)
    mailer = MemoryMailer()
    workers = {
        name: system.worker(name, mailer=mailer if name == "notification" else None, wait_time_s=0)
        for name in SUBSCRIPTIONS
    }
    return Harness(system, clock, mailer, workers)
