"""The flat event shape of the widely copied Node.js tutorial publisher, read canonically.

That publisher sends source ``com.example.orders`` and a flat detail:

- OrderCreated: ``{orderId, status: "CREATED", timestamp, customerId,
  items: [{productId, quantity, price}], total}``
- OrderUpdated: ``{orderId, status: "UPDATED", timestamp, changes: {items, total}}``
- OrderCancelled: ``{orderId, status: "CANCELLED", timestamp, reason}``

Mapped onto the canonical 2.0 contracts: ``productId`` is the SKU; the currency is
``USD`` (the tutorial prices in dollars); the channel is ``legacy``; the customer is
not refund-eligible (never asserted); payment method ``unknown``. The tutorial
carries no metadata: ``eventId`` comes from the EventBridge id, ``correlationId`` is the
order id, ``createdAt`` the event's timestamp; there is no ``causationId``.
"""

from __future__ import annotations

from typing import Any, Final

from orderflow.events.envelope import Envelope
from orderflow.events.errors import MalformedEvent, UnknownEventType

LEGACY_SOURCE: Final = "com.example.orders"
LEGACY_CURRENCY: Final = "USD"
LEGACY_CHANNEL: Final = "legacy"
LEGACY_PAYMENT_METHOD: Final = "unknown"


def is_legacy(envelope: Envelope) -> bool:
    return envelope.source == LEGACY_SOURCE and "eventVersion" not in envelope.detail


def to_canonical(envelope: Envelope) -> dict[str, Any]:
    """The canonical 2.0 detail for a tutorial event (validated later by its contract)."""
    detail = envelope.detail
    order_id = detail.get("orderId")
    if not isinstance(order_id, str) or not order_id:
        raise MalformedEvent("The tutorial event has no orderId (a non-empty string).")
    metadata = {
        "createdAt": str(detail.get("timestamp") or envelope.time),
        "correlationId": order_id,
        "eventId": envelope.id,
    }
    if envelope.detail_type == "OrderCreated":
        customer = detail.get("customerId")
        return {
            "eventVersion": "2.0",
            "order": {
                "orderId": order_id,
                "totalAmount": detail.get("total"),
                "currency": LEGACY_CURRENCY,
                "items": _items(detail.get("items")),
                "channel": LEGACY_CHANNEL,
            },
            "customer": {"userId": customer, "isRefundEligible": False},
            "payment": {"method": LEGACY_PAYMENT_METHOD},
            "metadata": metadata,
        }
    if envelope.detail_type == "OrderUpdated":
        changes = detail.get("changes")
        if not isinstance(changes, dict):
            raise MalformedEvent("The tutorial OrderUpdated event has no changes object.")
        order: dict[str, Any] = {"orderId": order_id, "currency": LEGACY_CURRENCY}
        if "items" in changes:
            order["items"] = _items(changes["items"])
        if "total" in changes:
            order["totalAmount"] = changes["total"]
        return {"eventVersion": "2.0", "order": order, "metadata": metadata}
    if envelope.detail_type == "OrderCancelled":
        reason = detail.get("reason")
        return {
            "eventVersion": "2.0",
            "order": {"orderId": order_id},
            "reason": reason if isinstance(reason, str) else "",
            "metadata": metadata,
        }
    raise UnknownEventType(f"No contract for {envelope.detail_type!r} events from {LEGACY_SOURCE}.")


def _items(value: object) -> object:
    if not isinstance(value, list):
        return value  # the contract reports it
    return [
        {"sku": item.get("productId"), "quantity": item.get("quantity"), "price": item.get("price")}
        if isinstance(item, dict)
        else item
        for item in value
    ]
