"""Placing an order on a system directly, as ``POST /orders`` does (command and event in
one transaction), for tests that need orders on a database without the HTTP API."""

from __future__ import annotations

from decimal import Decimal

from orderflow.bootstrap.system import System
from orderflow.eventbus.clock import to_iso
from orderflow.services.orders import commands


def place_order(
    system: System,
    customer: str,
    *items: tuple[str, int, str],
    eligible: bool = True,
    publish: bool = True,
) -> str:
    """The new order's id; its OrderCreated published at once unless ``publish`` is off
    (then it waits in the outbox for a relay)."""
    with system.state.transaction() as state:
        now = system.clock.now_ms()
        order, _ = commands.place(
            commands.CommandContext(state, now, to_iso(now), system.new_id),
            commands.PlaceOrder(
                customer_id=customer,
                currency="USD",
                channel="web",
                items=[(sku, quantity, Decimal(price)) for sku, quantity, price in items],
                refund_eligible=eligible,
                payment_method="card",
            ),
        )
        if publish:
            system.relay.publish_in(state)
    return order.order_id
