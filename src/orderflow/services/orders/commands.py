"""Placing, changing and cancelling an order: the order and its event commit together.

Each command validates through the domain, saves the order and puts its event
(OrderCreated 2.0, OrderUpdated, OrderCancelled) in the outbox, in the caller's
transaction: the relay publishes it once that commits, never before, never twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orderflow.app import OutgoingEvent
from orderflow.domain.errors import DomainError, InvalidOrder, OrderConflict
from orderflow.domain.orders import LineItem, Order, check_total, line_items, place_order
from orderflow.events.contracts import (
    CustomerV2,
    Item,
    OrderCancelled,
    OrderCreatedV2,
    OrderSummary,
    OrderUpdated,
    OrderV2,
    Payment,
)
from orderflow.services.context import CommandContext, outgoing
from orderflow.services.orders.records import Orders, from_document


class OrderNotFound(DomainError):
    """No order has this id."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} does not exist.")
        self.order_id = order_id


@dataclass(frozen=True)
class PlaceOrder:
    customer_id: str
    currency: str
    channel: str
    items: Sequence[tuple[str, int, Decimal]]
    refund_eligible: bool
    payment_method: str
    declared_total: Decimal | None = None
    order_id: str | None = None


def place(ctx: CommandContext, request: PlaceOrder) -> tuple[Order, str]:
    """A new order and its correlation id; OrderCreated 2.0 in the outbox."""
    orders = Orders(ctx.state)
    order = place_order(
        order_id=request.order_id or f"ord-{ctx.new_id()}",
        customer_id=request.customer_id,
        currency=request.currency,
        channel=request.channel,
        items=request.items,
        refund_eligible=request.refund_eligible,
        payment_method=request.payment_method,
        now=ctx.now_iso,
        declared_total=request.declared_total,
        catalog=orders.catalog(),
    )
    if orders.document(order.order_id) is not None:
        raise OrderConflict(f"Order {order.order_id} already exists.")
    correlation_id = ctx.correlation_id or f"cor-{ctx.new_id()}"
    event = OrderCreatedV2(
        order=OrderV2(
            order_id=order.order_id,
            total_amount=float(order.total),
            currency=order.currency,
            items=_items(order.items),
            channel=order.channel,
        ),
        customer=_customer(order),
        payment=Payment(method=order.payment_method, status="AUTHORIZED"),
        metadata=ctx.metadata(correlation_id),
    )
    row = outgoing(event, ctx.now_ms)
    orders.save(order, correlation_id, [], [row.event_id])
    ctx.state.add_events([row])
    return order, correlation_id


def change_items(
    ctx: CommandContext,
    order_id: str,
    items: Sequence[tuple[str, int, Decimal]],
    declared_total: Decimal | None = None,
) -> Order:
    """The order with new items; OrderUpdated in the outbox."""
    orders = Orders(ctx.state)
    document, current = _existing(orders, order_id)
    lines, problems = line_items(items, catalog=orders.catalog())
    if not problems:
        problems = check_total(declared_total, lines)
    if problems:
        raise InvalidOrder(problems)
    changed = current.change_items(lines, ctx.now_iso)
    correlation_id = document["correlationId"]
    event = OrderUpdated(
        order=_summary(changed),
        customer=_customer(changed),
        metadata=ctx.metadata(correlation_id),
    )
    _save_with_event(ctx, orders, changed, document, outgoing(event, ctx.now_ms))
    return changed


def cancel(ctx: CommandContext, order_id: str, reason: str) -> Order:
    """The cancelled order; OrderCancelled in the outbox."""
    orders = Orders(ctx.state)
    document, current = _existing(orders, order_id)
    cancelled = current.cancel(reason, ctx.now_iso)
    correlation_id = document["correlationId"]
    event = OrderCancelled(
        order=_summary(cancelled),
        customer=_customer(cancelled),
        reason=reason,
        metadata=ctx.metadata(correlation_id),
    )
    _save_with_event(ctx, orders, cancelled, document, outgoing(event, ctx.now_ms))
    return cancelled


def _existing(orders: Orders, order_id: str) -> tuple[dict[str, Any], Order]:
    """The order's document and the order, or ``OrderNotFound``."""
    document = orders.document(order_id)
    if document is None:
        raise OrderNotFound(order_id)
    return document, from_document(document)


def _save_with_event(
    ctx: CommandContext,
    orders: Orders,
    order: Order,
    document: dict[str, Any],
    row: OutgoingEvent,
) -> None:
    """Save the order, noting the event it emits, and put the event in the outbox."""
    emitted = [*document.get("emittedEventIds", []), row.event_id]
    orders.save(order, document["correlationId"], document["timeline"], emitted)
    ctx.state.add_events([row])


def _items(items: Sequence[LineItem]) -> list[Item]:
    return [Item(sku=i.sku, quantity=i.quantity, price=float(i.price)) for i in items]


def _customer(order: Order) -> CustomerV2:
    return CustomerV2(user_id=order.customer_id, is_refund_eligible=order.refund_eligible)


def _summary(order: Order) -> OrderSummary:
    return OrderSummary(
        order_id=order.order_id,
        total_amount=float(order.total),
        currency=order.currency,
        items=_items(order.items),
        channel=order.channel,
    )
