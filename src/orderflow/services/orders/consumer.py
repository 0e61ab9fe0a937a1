"""The order-processing consumer: follows each order through the events it causes.

- OrderCreated / OrderUpdated / OrderCancelled that this service's own commands
  emitted are already applied (the command wrote the order; the order remembers the
  ids of the events it emitted): they only join the order's timeline. From any other
  publisher (the tutorial's ``com.example.orders``, an older 1.0 publisher), they
  create, change or cancel the order here.
- An event about an order this consumer has not seen created yet (a cancel that overtook
  its create, an inventory answer that came first) is kept, and applied when the
  order's OrderCreated arrives.
- InventoryReserved confirms the order; InventoryOutOfStock marks it out of stock;
  RefundIssued and RefundCompleted move it to REFUND_PENDING and REFUNDED.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any, Final

import orjson

from orderflow.app import Consumer, Context
from orderflow.domain.errors import OrderConflict
from orderflow.domain.orders import LineItem, Order, OrderStatus
from orderflow.events import decode_latest
from orderflow.events.contracts import (
    InventoryOutOfStock,
    InventoryReserved,
    OrderCancelled,
    OrderCreatedV2,
    OrderUpdated,
    RefundCompleted,
    RefundIssued,
)
from orderflow.events.contracts.orders import ORDERS_SOURCE
from orderflow.events.envelope import Envelope, parse_envelope
from orderflow.events.legacy import LEGACY_SOURCE
from orderflow.services.orders.records import Orders, from_document

NAME: Final = "order-processing"
EARLY: Final = "orders.early"


def _timeline_entry(ctx: Context, note: str = "") -> dict[str, Any]:
    entry = {
        "eventId": ctx.cause.event_id,
        "detailType": ctx.cause.detail_type,
        "source": ctx.cause.source,
        "at": ctx.now_iso,
    }
    if note:
        entry["note"] = note
    return entry


def _record(ctx: Context, order_id: str, change: Any = None, note: str = "") -> None:
    """Add the event to the order's timeline, applying ``change(order) -> order`` first
    unless this service emitted the event (then the order already shows it)."""
    orders = Orders(ctx.state)
    document = orders.document(order_id)
    if document is None:  # it overtook the order's creation: kept until that arrives
        _keep_early(ctx, order_id)
        return
    order = from_document(document)
    if change is not None and ctx.cause.event_id not in document.get("emittedEventIds", []):
        try:
            order = change(order)
        except OrderConflict as exc:
            note = f"ignored: {exc}"
    timeline = [*document["timeline"], _timeline_entry(ctx, note)]
    orders.save(order, document["correlationId"], timeline, document.get("emittedEventIds"))


def on_order_created(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, OrderCreatedV2)
    orders = Orders(ctx.state)
    if orders.document(event.order.order_id) is None:
        order = Order(
            order_id=event.order.order_id,
            customer_id=event.customer.user_id,
            currency=event.order.currency,
            channel=event.order.channel,
            items=tuple(
                LineItem(item.sku, item.quantity, Decimal(str(item.price)))
                for item in event.order.items
            ),
            status=OrderStatus.CREATED,
            refund_eligible=event.customer.is_refund_eligible,
            payment_method=event.payment.method,
            created_at=event.metadata.created_at,
            updated_at=ctx.now_iso,
        )
        orders.save(order, envelope.correlation_id, [])
    _record(ctx, event.order.order_id)
    _apply_early(ctx, event.order.order_id)


def _keep_early(ctx: Context, order_id: str) -> None:
    """Keep an event about an order not created yet (another publisher's cancel that
    overtook its create, an inventory answer faster than this consumer)."""
    early = ctx.state.get(EARLY, order_id) or {"orderId": order_id, "events": []}
    cause = ctx.cause
    early["events"].append(
        {
            "id": cause.id,
            "source": cause.source,
            "detail-type": cause.detail_type,
            "time": cause.time,
            "detail": cause.detail,
        }
    )
    ctx.state.put(EARLY, order_id, early)


def _apply_early(ctx: Context, order_id: str) -> None:
    """Apply, in arrival order, the events about this order that came before it."""
    early = ctx.state.get(EARLY, order_id)
    if not early or not early["events"]:
        return
    ctx.state.put(EARLY, order_id, {"orderId": order_id, "events": []})
    for document in early["events"]:
        envelope = parse_envelope(orjson.dumps(document))
        handler = CONSUMER.handlers.get(envelope.detail_type)
        if handler is not None:
            handler(envelope, replace(ctx, cause=envelope))


def on_order_updated(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, OrderUpdated)
    items = event.order.items
    if items is None:
        _record(ctx, event.order.order_id)
        return
    lines = [LineItem(i.sku, i.quantity, Decimal(str(i.price))) for i in items]
    _record(ctx, event.order.order_id, lambda order: order.change_items(lines, ctx.now_iso))


def on_order_cancelled(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, OrderCancelled)
    _record(ctx, event.order.order_id, lambda order: order.cancel(event.reason, ctx.now_iso))


def on_inventory_reserved(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, InventoryReserved)
    _record(ctx, event.order.order_id, lambda order: order.confirm(ctx.now_iso))


def on_out_of_stock(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, InventoryOutOfStock)
    _record(ctx, event.order.order_id, lambda order: order.out_of_stock(ctx.now_iso))


def on_refund_issued(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, RefundIssued)
    _record(ctx, event.refund.order_id, lambda order: order.refund_issued(ctx.now_iso))


def on_refund_completed(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, RefundCompleted)
    _record(ctx, event.refund.order_id, lambda order: order.refunded(ctx.now_iso))


CONSUMER: Final = Consumer(
    name=NAME,
    description="Every change to an order and what followed from it, to keep its state",
    pattern={
        "$or": [
            {
                "source": [ORDERS_SOURCE, LEGACY_SOURCE],
                "detail-type": ["OrderCreated", "OrderUpdated", "OrderCancelled"],
            },
            {
                "source": ["com.mycompany.inventory"],
                "detail-type": ["InventoryReserved", "InventoryOutOfStock"],
            },
            {
                "source": ["com.mycompany.refunds"],
                "detail-type": ["RefundIssued", "RefundCompleted"],
            },
        ]
    },
    handlers={
        "OrderCreated": on_order_created,
        "OrderUpdated": on_order_updated,
        "OrderCancelled": on_order_cancelled,
        "InventoryReserved": on_inventory_reserved,
        "InventoryOutOfStock": on_out_of_stock,
        "RefundIssued": on_refund_issued,
        "RefundCompleted": on_refund_completed,
    },
)
