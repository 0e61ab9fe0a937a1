"""The notification consumer, written against OrderCreated 1.0: it reads version 2.0
events unchanged (the fields it does not know are ignored).

Each email goes to the mail outbox in the handler's transaction, with a Message-ID
derived from the event that caused it; the runtime sends it after the commit and
emits NotificationSent. A redelivered event is skipped (idempotency), and a send
retried after a crash carries the same Message-ID.
"""

from __future__ import annotations

from typing import Final

from orderflow.app import Consumer, Context, OutgoingMail
from orderflow.events import decode_as, decode_latest
from orderflow.events.contracts import OrderCancelled, OrderCreatedV1, RefundCompleted
from orderflow.events.contracts.orders import ORDERS_SOURCE
from orderflow.events.contracts.refunds import REFUNDS_SOURCE
from orderflow.events.envelope import Envelope
from orderflow.events.legacy import LEGACY_SOURCE
from orderflow.services.notifications import messages

NAME: Final = "notification"
CONTACT: Final = "notifications.contact"


def _mail(ctx: Context, order_id: str, kind: str, to: str, *, subject: str, body: str) -> None:
    ctx.send_mail(
        OutgoingMail(
            message_id=f"<{kind}.{ctx.cause.event_id}@orderflow.test>",
            order_id=order_id,
            kind=kind,
            recipient=to,
            subject=subject,
            body=body,
            correlation_id=ctx.cause.correlation_id,
            causation_id=ctx.cause.event_id,
            created_ms=ctx.now_ms,
        )
    )


def on_order_created(envelope: Envelope, ctx: Context) -> None:
    event = decode_as(envelope, OrderCreatedV1)
    order_id = event.order.order_id
    to = messages.recipient_for(event.customer.user_id)
    contact = ctx.state.get(CONTACT, order_id)
    if contact is not None and contact.get("cancelled"):
        # The cancellation overtook the creation (another publisher's events, or a retry):
        # the customer hears of the cancellation, never of a confirmation after it.
        if contact.get("to") is None:  # nobody was known to tell then: tell them now
            _cancellation_mail(ctx, order_id, to, contact.get("reason", ""))
        ctx.state.put(CONTACT, order_id, {**contact, "to": to})
        return
    ctx.state.put(CONTACT, order_id, {"orderId": order_id, "to": to})
    lines = [f"  {item.quantity} x {item.sku} at {item.price:.2f}" for item in event.order.items]
    subject, body = messages.confirmation(
        order_id, event.order.total_amount, event.order.currency, lines
    )
    _mail(ctx, order_id, "confirmation", to, subject=subject, body=body)


def on_order_cancelled(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, OrderCancelled)
    order_id = event.order.order_id
    contact = ctx.state.get(CONTACT, order_id) or {"orderId": order_id}
    to = (
        messages.recipient_for(event.customer.user_id)
        if event.customer is not None
        else contact.get("to")
    )
    told = {**contact, "cancelled": True, "reason": event.reason}
    if to is not None:
        _cancellation_mail(ctx, order_id, to, event.reason)
        told["to"] = to
    ctx.state.put(CONTACT, order_id, told)  # without "to", the creation tells them


def _cancellation_mail(ctx: Context, order_id: str, to: str, reason: str) -> None:
    subject, body = messages.cancellation(order_id, reason)
    _mail(ctx, order_id, "cancellation", to, subject=subject, body=body)


def on_refund_completed(envelope: Envelope, ctx: Context) -> None:
    event = decode_latest(envelope, RefundCompleted)
    refund = event.refund
    to = messages.recipient_for(event.customer.user_id)
    subject, body = messages.refund(
        refund.order_id, refund.amount, refund.currency, refund.refund_id
    )
    _mail(ctx, refund.order_id, "refund", to, subject=subject, body=body)


CONSUMER: Final = Consumer(
    name=NAME,
    description="Tell the customer about confirmed and cancelled orders and completed refunds",
    pattern={
        "$or": [
            {
                "source": [ORDERS_SOURCE, LEGACY_SOURCE],
                "detail-type": ["OrderCreated", "OrderCancelled"],
            },
            {"source": [REFUNDS_SOURCE], "detail-type": ["RefundCompleted"]},
        ]
    },
    handlers={
        "OrderCreated": on_order_created,
        "OrderCancelled": on_order_cancelled,
        "RefundCompleted": on_refund_completed,
    },
)
