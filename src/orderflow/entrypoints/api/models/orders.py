"""Orders in and out: the bodies of POST/PATCH/cancel, and the order as the API shows it.

Shapes are checked here (types, lengths, formats, within the event contracts' limits);
the business rules (a known SKU, a positive quantity, a total that adds up) are the
domain's, which reports every problem at once, rendered as a 422 like these.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from orderflow.domain.orders import MAX_ITEMS, MAX_PRICE, MAX_QUANTITY, OrderStatus
from orderflow.entrypoints.api.models.base import RequestBody, ResponseBody
from orderflow.services.orders.commands import PlaceOrder

ORDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
"""Order ids appear in URLs: letters, digits and ``._:-``, at most 128 characters."""


class LineItemIn(RequestBody):
    sku: str = Field(
        min_length=1, max_length=64, description="A SKU of the catalog (GET /inventory)."
    )
    quantity: int = Field(description=f"A positive whole number, at most {MAX_QUANTITY}.")
    price: float = Field(
        allow_inf_nan=False,
        description=f"The unit price: positive, at most {MAX_PRICE}, with at most 2 decimals.",
    )

    def as_line(self) -> tuple[str, int, Decimal]:
        return self.sku, self.quantity, Decimal(str(self.price))


Items = list[LineItemIn]
ITEMS_DESCRIPTION = f"From 1 to {MAX_ITEMS} lines, one per SKU."
TOTAL_DESCRIPTION = "Optional: if given, it must equal the sum of the lines."


class CustomerIn(RequestBody):
    user_id: str = Field(min_length=1, max_length=256)
    is_refund_eligible: bool = Field(
        default=False, description="Refund automatically if the order cannot be served."
    )


class PaymentIn(RequestBody):
    method: str = Field(default="card", min_length=1, max_length=64)


class PlaceOrderRequest(RequestBody):
    order_id: str | None = Field(
        default=None,
        pattern=ORDER_ID_PATTERN,
        description="Your own id for the order (ord-<uuid> if absent); reusing one is a 409.",
    )
    customer: CustomerIn
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    channel: str = Field(default="web", min_length=1, max_length=64)
    items: Items = Field(description=ITEMS_DESCRIPTION)
    total_amount: float | None = Field(
        default=None, ge=0, lt=1e12, allow_inf_nan=False, description=TOTAL_DESCRIPTION
    )
    payment: PaymentIn = Field(default_factory=PaymentIn)

    def to_command(self) -> PlaceOrder:
        return PlaceOrder(
            customer_id=self.customer.user_id,
            currency=self.currency,
            channel=self.channel,
            items=[item.as_line() for item in self.items],
            refund_eligible=self.customer.is_refund_eligible,
            payment_method=self.payment.method,
            declared_total=_amount(self.total_amount),
            order_id=self.order_id,
        )


class ChangeItemsRequest(RequestBody):
    items: Items = Field(description=ITEMS_DESCRIPTION)
    total_amount: float | None = Field(
        default=None, ge=0, lt=1e12, allow_inf_nan=False, description=TOTAL_DESCRIPTION
    )

    def lines(self) -> list[tuple[str, int, Decimal]]:
        return [item.as_line() for item in self.items]

    def declared_total(self) -> Decimal | None:
        return _amount(self.total_amount)


class CancelRequest(RequestBody):
    reason: str = Field(default="", max_length=1000, description="Shown in the customer's email.")


def _amount(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# -- responses -------------------------------------------------------------------------


class LineItemOut(ResponseBody):
    sku: str
    quantity: int
    price: float


class CustomerOut(ResponseBody):
    user_id: str
    is_refund_eligible: bool


class PaymentOut(ResponseBody):
    method: str


class OrderOut(ResponseBody):
    order_id: str
    status: OrderStatus
    customer: CustomerOut
    currency: str
    channel: str
    items: list[LineItemOut]
    total_amount: float
    payment: PaymentOut
    created_at: str
    updated_at: str
    cancel_reason: str | None = None
    revision: int = Field(description="1 when placed, +1 at every change of the order.")
    correlation_id: str = Field(description="Shared by every event of this order's journey.")

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> OrderOut:
        return cls.model_validate(_fields(document))


class TimelineEntry(ResponseBody):
    event_id: str
    detail_type: str
    source: str
    at: str
    note: str | None = None


class OrderDetail(OrderOut):
    timeline: list[TimelineEntry] = Field(
        description="The events of this order, oldest first, as the order service saw them."
    )

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> OrderDetail:
        return cls.model_validate({**_fields(document), "timeline": document["timeline"]})


class OrderList(ResponseBody):
    orders: list[OrderOut]


def _fields(document: dict[str, Any]) -> dict[str, Any]:
    """The stored order document (``services.orders.records``) in the API's shape."""
    return {
        "orderId": document["orderId"],
        "status": document["status"],
        "customer": {
            "userId": document["customerId"],
            "isRefundEligible": document["refundEligible"],
        },
        "currency": document["currency"],
        "channel": document["channel"],
        "items": [
            {"sku": item["sku"], "quantity": item["quantity"], "price": float(item["price"])}
            for item in document["items"]
        ],
        "totalAmount": float(document["totalAmount"]),
        "payment": {"method": document["paymentMethod"]},
        "createdAt": document["createdAt"],
        "updatedAt": document["updatedAt"],
        "cancelReason": document.get("cancelReason"),
        "revision": document.get("revision", 1),
        "correlationId": document["correlationId"],
    }
