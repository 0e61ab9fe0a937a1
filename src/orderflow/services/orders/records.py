"""Orders as stored documents, with the correlation id and the event timeline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from orderflow.app import ServiceState
from orderflow.domain.orders import LineItem, Order, OrderStatus

ORDER: Final = "orders.order"
CATALOG: Final = "orders.catalog"
MAX_TIMELINE: Final = 200


def to_document(
    order: Order,
    correlation_id: str,
    timeline: list[dict[str, Any]],
    emitted: list[str],
) -> dict[str, Any]:
    return {
        "orderId": order.order_id,
        "customerId": order.customer_id,
        "currency": order.currency,
        "channel": order.channel,
        "items": [
            {"sku": item.sku, "quantity": item.quantity, "price": str(item.price)}
            for item in order.items
        ],
        "totalAmount": str(order.total),
        "status": order.status.value,
        "refundEligible": order.refund_eligible,
        "paymentMethod": order.payment_method,
        "createdAt": order.created_at,
        "updatedAt": order.updated_at,
        "cancelReason": order.cancel_reason,
        "revision": order.revision,
        "correlationId": correlation_id,
        "timeline": timeline[-MAX_TIMELINE:],
        "emittedEventIds": emitted[-MAX_TIMELINE:],
    }


def from_document(document: dict[str, Any]) -> Order:
    return Order(
        order_id=document["orderId"],
        customer_id=document["customerId"],
        currency=document["currency"],
        channel=document["channel"],
        items=tuple(
            LineItem(item["sku"], int(item["quantity"]), Decimal(item["price"]))
            for item in document["items"]
        ),
        status=OrderStatus(document["status"]),
        refund_eligible=bool(document["refundEligible"]),
        payment_method=document["paymentMethod"],
        created_at=document["createdAt"],
        updated_at=document["updatedAt"],
        cancel_reason=document.get("cancelReason"),
        revision=int(document.get("revision", 1)),
    )


class Orders:
    """The order records inside a transaction."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state

    def document(self, order_id: str) -> dict[str, Any] | None:
        return self._state.get(ORDER, order_id)

    def save(
        self,
        order: Order,
        correlation_id: str,
        timeline: list[dict[str, Any]],
        emitted: list[str] | None = None,
    ) -> None:
        """Save the order; ``emitted``: the ids of the events this service published about it
        (their consumer must not apply them a second time)."""
        self._state.put(
            ORDER, order.order_id, to_document(order, correlation_id, timeline, emitted or [])
        )

    def catalog(self) -> dict[str, Decimal]:
        """SKU → price, for every product the catalog offers."""
        return {doc["sku"]: Decimal(doc["price"]) for doc in self._state.scan(CATALOG)}

    def all(self) -> list[dict[str, Any]]:
        return list(self._state.scan(ORDER))
