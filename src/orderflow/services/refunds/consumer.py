"""The refund consumer: the saga's last steps, chained by events only.

InventoryOutOfStock (refund-eligible customer) → issue the refund, emit RefundIssued;
RefundIssued → complete it (the payment provider is simulated and settles at once),
emit RefundCompleted. One refund per order: its id derives from the order's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from orderflow.app import Consumer, Context
from orderflow.domain.money import to_amount
from orderflow.domain.refunds import Refund, RefundStatus, refund_id_for
from orderflow.events import decode_latest
from orderflow.events.contracts import (
    InventoryOutOfStock,
    RefundCompleted,
    RefundDetails,
    RefundIssued,
)
from orderflow.events.contracts.inventory import INVENTORY_SOURCE
from orderflow.events.contracts.refunds import REFUNDS_SOURCE
from orderflow.events.envelope import Envelope

NAME: Final = "refund"
REFUND: Final = "refunds.refund"


def _details(refund: Refund) -> RefundDetails:
    return RefundDetails(
        refund_id=refund.refund_id,
        order_id=refund.order_id,
        amount=float(refund.amount),
        currency=refund.currency,
        reason=refund.reason,
    )


def _save(ctx: Context, refund: Refund) -> None:
    ctx.state.put(
        REFUND,
        refund.refund_id,
        {
            "refundId": refund.refund_id,
            "orderId": refund.order_id,
            "amount": str(refund.amount),
            "currency": refund.currency,
            "reason": refund.reason,
            "status": refund.status.value,
            "issuedAt": refund.issued_at,
            "completedAt": refund.completed_at,
        },
    )


def _load(ctx: Context, refund_id: str) -> Refund | None:
    document = ctx.state.get(REFUND, refund_id)
    if document is None:
        return None
    return Refund(
        refund_id=document["refundId"],
        order_id=document["orderId"],
        amount=Decimal(document["amount"]),
        currency=document["currency"],
        reason=document["reason"],
        status=RefundStatus(document["status"]),
        issued_at=document["issuedAt"],
        completed_at=document.get("completedAt"),
    )


def on_out_of_stock(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, InventoryOutOfStock)
    if not event.customer.is_refund_eligible:
        return  # the rule filters these out; a replay through another route must not pay
    refund_id = refund_id_for(event.order.order_id)
    if _load(ctx, refund_id) is not None:
        return  # one refund per order, whatever the number of shortages reported
    skus = ", ".join(shortage.sku for shortage in event.shortages)
    refund = Refund(
        refund_id=refund_id,
        order_id=event.order.order_id,
        amount=to_amount(event.order.total_amount or 0),
        currency=event.order.currency or "USD",
        reason=f"out of stock: {skus}",
        status=RefundStatus.ISSUED,
        issued_at=ctx.now_iso,
    )
    _save(ctx, refund)
    ctx.emit(
        RefundIssued(refund=_details(refund), customer=event.customer, metadata=ctx.metadata())
    )


def on_refund_issued(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, RefundIssued)
    refund = _load(ctx, event.refund.refund_id)
    if refund is None or refund.status is RefundStatus.COMPLETED:
        return
    completed = refund.complete(ctx.now_iso)
    _save(ctx, completed)
    ctx.emit(
        RefundCompleted(
            refund=_details(completed),
            customer=event.customer,
            completed_at=ctx.now_iso,
            metadata=ctx.metadata(),
        )
    )


CONSUMER: Final = Consumer(
    name=NAME,
    description="Refund what could not be shipped to refund-eligible customers",
    pattern={
        "$or": [
            {
                "source": [INVENTORY_SOURCE],
                "detail-type": ["InventoryOutOfStock"],
                "detail": {"customer": {"isRefundEligible": [True]}},
            },
            {"source": [REFUNDS_SOURCE], "detail-type": ["RefundIssued"]},
        ]
    },
    handlers={"InventoryOutOfStock": on_out_of_stock, "RefundIssued": on_refund_issued},
)
