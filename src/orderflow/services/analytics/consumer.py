"""The analytics consumer: one fact sheet per order, built from every event about it."""

from __future__ import annotations

from typing import Any, Final

from orderflow.app import Consumer, Context
from orderflow.events import decode
from orderflow.events.contracts import (
    InventoryOutOfStock,
    OrderCancelled,
    OrderCreatedV2,
    OrderUpdated,
    RefundCompleted,
)
from orderflow.events.envelope import Envelope
from orderflow.events.legacy import LEGACY_SOURCE

NAME: Final = "analytics"
ORDER_FACTS: Final = "analytics.order"
EVENT_COUNTS: Final = "analytics.events"


def _facts(ctx: Context, order_id: str) -> dict[str, Any]:
    return ctx.state.get(ORDER_FACTS, order_id) or {"orderId": order_id}


def _count(ctx: Context, envelope: Envelope) -> None:
    key = f"{envelope.source}/{envelope.detail_type}"
    document = ctx.state.get(EVENT_COUNTS, key) or {
        "source": envelope.source,
        "detailType": envelope.detail_type,
        "count": 0,
    }
    ctx.state.put(EVENT_COUNTS, key, {**document, "count": document["count"] + 1})


def record(envelope: Envelope, ctx: Context) -> None:
    """Count the event, and fold what it says about its order into the order's facts."""
    _count(ctx, envelope)
    event = decode(envelope) if envelope.detail_type in FOLDED else None
    if isinstance(event, OrderCreatedV2):
        facts = _facts(ctx, event.order.order_id)
        ctx.state.put(
            ORDER_FACTS,
            event.order.order_id,
            {
                **facts,
                "created": True,
                "currency": event.order.currency,
                "channel": event.order.channel,
                "total": event.order.total_amount,
                "version": envelope.event_version or "legacy",
            },
        )
    elif isinstance(event, OrderUpdated) and event.order.total_amount is not None:
        facts = _facts(ctx, event.order.order_id)
        ctx.state.put(
            ORDER_FACTS, event.order.order_id, {**facts, "total": event.order.total_amount}
        )
    elif isinstance(event, OrderCancelled):
        facts = _facts(ctx, event.order.order_id)
        ctx.state.put(ORDER_FACTS, event.order.order_id, {**facts, "cancelled": True})
    elif isinstance(event, InventoryOutOfStock):
        facts = _facts(ctx, event.order.order_id)
        ctx.state.put(ORDER_FACTS, event.order.order_id, {**facts, "outOfStock": True})
    elif isinstance(event, RefundCompleted):
        facts = _facts(ctx, event.refund.order_id)
        ctx.state.put(
            ORDER_FACTS,
            event.refund.order_id,
            {**facts, "refunded": event.refund.amount, "refundCurrency": event.refund.currency},
        )


FOLDED: Final = frozenset(
    {"OrderCreated", "OrderUpdated", "OrderCancelled", "InventoryOutOfStock", "RefundCompleted"}
)

CONSUMER: Final = Consumer(
    name=NAME,
    description="Every order, inventory, refund and notification event, for reporting",
    pattern={"source": [{"prefix": "com.mycompany."}, LEGACY_SOURCE]},
    handlers=dict.fromkeys(
        (
            "OrderCreated",
            "OrderUpdated",
            "OrderCancelled",
            "InventoryReserved",
            "InventoryOutOfStock",
            "RefundIssued",
            "RefundCompleted",
            "NotificationSent",
        ),
        record,
    ),
)
