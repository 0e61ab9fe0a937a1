"""Placing an order on a system directly, as ``POST /orders`` does (command and event in
one transaction), for tests that need orders on a database without the HTTP API."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from orderflow.adapters.memory.mailer import MemoryMailer
from orderflow.bootstrap.system import System, install, open_system
from orderflow.eventbus.clock import to_iso
from orderflow.runtime.commands import run_command
from orderflow.services.context import CommandContext
from orderflow.services.orders import commands
from orderflow.services.topology import SUBSCRIPTIONS


def place_order(
    system: System,
    customer: str,
    *items: tuple[str, int, str],
    eligible: bool = True,
    publish: bool = True,
) -> str:
    """The new order's id; its OrderCreated published at once unless ``publish`` is off
    (then it waits in the outbox for a relay)."""
    request = commands.PlaceOrder(
        customer_id=customer,
        currency="USD",
        channel="web",
        items=[(sku, quantity, Decimal(price)) for sku, quantity, price in items],
        refund_eligible=eligible,
        payment_method="card",
    )
    if not publish:  # the command alone, as a process that died before its relay ran
        with system.state.transaction() as state:
            now = system.clock.now_ms()
            order, _ = commands.place(
                CommandContext(state, now, to_iso(now), system.new_id), request
            )
        return order.order_id
    order, _ = run_command(
        system.relay, system.clock, system.new_id, lambda ctx: commands.place(ctx, request)
    )
    return order.order_id


def place_and_handle(db: Path) -> str:
    """On the SQLite file ``db``: the topology installed, an in-stock order placed and
    handled by every consumer, in this process (its confirmation sent to a memory
    mailer); the order's id."""
    system = open_system(db)
    try:
        install(system)
        order_id = place_order(system, "ada", ("KB-001", 1, "89"))
        mailer = MemoryMailer()
        workers = [
            system.worker(name, mailer=mailer if name == "notification" else None, wait_time_s=0)
            for name in SUBSCRIPTIONS
        ]
        for _ in range(5):
            for worker in workers:
                worker.run_once()
        assert [m.kind for m in mailer.sent] == ["confirmation"]
        return order_id
    finally:
        system.close()
