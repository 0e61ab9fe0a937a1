"""The inventory consumer.

- OrderCreated: reserve every line or none; emit InventoryReserved, or
  InventoryOutOfStock listing the shortages. A SKU the stock has never heard of is a
  data problem, not a shortage: the handler fails (``UnknownSku``) so the event ends
  in the DLQ after its retries; add the SKU and re-drive it.
- OrderUpdated with new items: give back what the order held and reserve the new
  lines; if they cannot all be had, emit InventoryOutOfStock.
- OrderCancelled: give back what the order held.
"""

from __future__ import annotations

from typing import Any, Final

from orderflow.app import Consumer, Context
from orderflow.domain.errors import UnknownSku
from orderflow.domain.inventory import Reservation, after_release, after_reservation, reserve
from orderflow.events import decode_latest
from orderflow.events.contracts import (
    CustomerV2,
    InventoryOutOfStock,
    InventoryReserved,
    Item,
    OrderCancelled,
    OrderCreatedV2,
    OrderSummary,
    OrderUpdated,
    Shortage,
)
from orderflow.events.contracts.orders import ORDERS_SOURCE
from orderflow.events.envelope import Envelope
from orderflow.events.legacy import LEGACY_SOURCE
from orderflow.services.inventory.records import (
    CANCELLED_EARLY,
    HELD,
    REFUSED,
    RELEASED,
    Stock,
)

NAME: Final = "inventory"


def _reserve(ctx: Context, order: OrderSummary, customer: CustomerV2, items: list[Item]) -> None:
    stock = Stock(ctx.state)
    wanted = [(item.sku, item.quantity) for item in items]
    levels = stock.levels({sku for sku, _ in wanted})
    unknown = sorted({sku for sku, _ in wanted} - levels.keys())
    if unknown:
        raise UnknownSku(unknown)
    outcome = reserve(levels, wanted)
    document: dict[str, Any] = {
        "orderId": order.order_id,
        "customer": customer.to_detail(),
        "order": order.to_detail(),
    }
    if isinstance(outcome, Reservation):
        stock.set_levels(after_reservation(levels, outcome))
        stock.save_reservation(
            order.order_id, {**document, "status": HELD, "held": outcome.quantities}
        )
        ctx.emit(
            InventoryReserved(
                order=order, customer=customer, reserved=items, metadata=ctx.metadata()
            )
        )
        return
    stock.save_reservation(order.order_id, {**document, "status": REFUSED, "held": {}})
    ctx.emit(
        InventoryOutOfStock(
            order=order,
            customer=customer,
            shortages=[
                Shortage(sku=s.sku, requested=s.requested, available=s.available) for s in outcome
            ],
            metadata=ctx.metadata(),
        )
    )


def _release(ctx: Context, document: dict[str, Any]) -> None:
    stock = Stock(ctx.state)
    held = Reservation({sku: int(q) for sku, q in document["held"].items()})
    stock.set_levels(after_release(stock.levels(set(held.quantities)), held))
    stock.save_reservation(document["orderId"], {**document, "status": RELEASED, "held": {}})


def on_order_created(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, OrderCreatedV2)
    existing = Stock(ctx.state).reservation(event.order.order_id)
    if existing is not None:
        return  # already decided (another event id for the same order), or cancelled first
    summary = OrderSummary(**event.order.model_dump())
    _reserve(ctx, summary, event.customer, event.order.items)


def on_order_updated(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, OrderUpdated)
    stock = Stock(ctx.state)
    existing = stock.reservation(event.order.order_id)
    if existing is None or existing["status"] != HELD or event.order.items is None:
        return
    _release(ctx, existing)
    customer = event.customer or CustomerV2.model_validate(existing["customer"])
    previous = OrderSummary.model_validate(existing["order"])
    summary = previous.model_copy(
        update={
            "items": event.order.items,
            "total_amount": event.order.total_amount or previous.total_amount,
        }
    )
    # The old lines were given back above; the new ones get a decision of their own.
    _reserve(ctx, summary, customer, event.order.items)


def on_order_cancelled(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, OrderCancelled)
    stock = Stock(ctx.state)
    existing = stock.reservation(event.order.order_id)
    if existing is None:
        stock.save_reservation(
            event.order.order_id,
            {"orderId": event.order.order_id, "status": CANCELLED_EARLY, "held": {}},
        )
    elif existing["status"] == HELD:
        _release(ctx, existing)


CONSUMER: Final = Consumer(
    name=NAME,
    description="New, changed and cancelled orders reserve and release stock",
    pattern={
        "source": [ORDERS_SOURCE, LEGACY_SOURCE],
        "detail-type": ["OrderCreated", "OrderUpdated", "OrderCancelled"],
    },
    handlers={
        "OrderCreated": on_order_created,
        "OrderUpdated": on_order_updated,
        "OrderCancelled": on_order_cancelled,
    },
)
