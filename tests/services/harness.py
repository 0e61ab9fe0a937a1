"""Driving the whole system, every consumer's worker round after round, on the transport
the test runs on (``carriers``: the in-engine transport in memory and on SQLite, the
remote one against ``orderflow serve`` and moto's server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from orderflow.adapters.memory.mailer import MemoryMailer
from orderflow.bootstrap.system import System, install
from orderflow.eventbus.clock import ManualClock, to_iso
from orderflow.runtime.worker import Worker
from orderflow.services.context import CommandContext
from orderflow.services.orders import commands
from orderflow.services.topology import SUBSCRIPTIONS
from tests.services.carriers import Carrier, carried


@dataclass
class Harness:
    system: System
    clock: ManualClock
    mailer: MemoryMailer
    workers: dict[str, Worker]
    carrier: Carrier
    elapse: Callable[[float], None]
    """Let seconds pass for the system and its queues (the clock; on moto, sleeping)."""
    transport: str = "memory"
    opened: ExitStack | None = None
    """What a harness made outside a transport's test keeps open as long as it lives."""

    @contextmanager
    def command(self, correlation_id: str | None = None) -> Iterator[CommandContext]:
        with self.system.relay.transaction() as state:
            now = self.clock.now_ms()
            yield CommandContext(state, now, to_iso(now), self.system.new_id, correlation_id)

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
        self.carrier.put(source, detail_type, detail)

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
        return self.carrier.depth(queue)


@dataclass(frozen=True)
class _OnTransport:
    transport: str
    tmp_path: Path
    moto_url: str | None
    opened: ExitStack
    """What the test's harnesses opened, closed when the test ends."""


_CURRENT: ContextVar[_OnTransport | None] = ContextVar("harness_transport", default=None)
"""The transport the running test is on (set by ``conftest``)."""


@contextmanager
def on_transport(transport: str, tmp_path: Path, moto_url: str | None) -> Iterator[None]:
    """Harnesses made in the block run on ``transport``; closed when it ends."""
    with ExitStack() as opened:
        token = _CURRENT.set(_OnTransport(transport, tmp_path, moto_url, opened))
        try:
            yield
        finally:
            _CURRENT.reset(token)


def make_harness() -> Harness:
    """The system installed on the test's transport (memory when none is set), with a
    worker per consumer and a memory mailer."""
    current = _CURRENT.get() or _OnTransport("memory", Path(), None, ExitStack())
    transport = current.transport
    made = current.opened.enter_context(
        carried(transport, current.tmp_path, moto_url=current.moto_url)
    )
    system = made.system
    install(system)
    mailer = MemoryMailer()
    retry_base_s = 1 if made.queues_keep_time else 0  # moto's time passes only by sleeping
    workers = {
        name: system.worker(
            name,
            mailer=mailer if name == "notification" else None,
            wait_time_s=0,
            retry_base_s=retry_base_s,
        )
        for name in SUBSCRIPTIONS
    }
    return Harness(
        system,
        made.clock,
        mailer,
        workers,
        made.carrier,
        made.elapse,
        transport,
        opened=None if _CURRENT.get() else current.opened,
    )
