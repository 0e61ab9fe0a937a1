"""The order service's events: OrderCreated (versions 1.0 and 2.0), OrderUpdated, OrderCancelled.

Version 2.0 adds ``order.channel`` and ``customer.isRefundEligible``; version 1.0
events are upcast to 2.0 with documented defaults (``events.upcasting``).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from orderflow.events.contracts.base import Contract, Item, Metadata

ORDERS_SOURCE = "com.mycompany.orders"


class Payment(Contract):
    method: str = Field(min_length=1, max_length=64)
    status: str | None = Field(default=None, max_length=64)


class OrderV1(Contract):
    order_id: str = Field(min_length=1, max_length=128)
    total_amount: float = Field(ge=0, lt=1e12)
    currency: str = Field(min_length=3, max_length=3)
    items: list[Item] = Field(min_length=1, max_length=100)


class OrderV2(OrderV1):
    channel: str = Field(min_length=1, max_length=64)


class CustomerV1(Contract):
    user_id: str = Field(min_length=1, max_length=256)


class CustomerV2(CustomerV1):
    is_refund_eligible: bool


class OrderCreatedV1(Contract):
    SOURCE: ClassVar[str] = ORDERS_SOURCE
    DETAIL_TYPE: ClassVar[str] = "OrderCreated"
    VERSION: ClassVar[str] = "1.0"

    event_version: Literal["1.0"] = "1.0"
    order: OrderV1
    customer: CustomerV1
    payment: Payment
    metadata: Metadata


class OrderCreatedV2(Contract):
    SOURCE: ClassVar[str] = ORDERS_SOURCE
    DETAIL_TYPE: ClassVar[str] = "OrderCreated"
    VERSION: ClassVar[str] = "2.0"

    event_version: Literal["2.0"] = "2.0"
    order: OrderV2
    customer: CustomerV2
    payment: Payment
    metadata: Metadata


class OrderSummary(Contract):
    """An order as later events describe it: the id, and what is known of the rest."""

    order_id: str = Field(min_length=1, max_length=128)
    total_amount: float | None = Field(default=None, ge=0, lt=1e12)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    items: list[Item] | None = Field(default=None, min_length=1, max_length=100)
    channel: str | None = Field(default=None, max_length=64)


class OrderUpdated(Contract):
    """The order's new content (items and total); the customer when the publisher knows it."""

    SOURCE: ClassVar[str] = ORDERS_SOURCE
    DETAIL_TYPE: ClassVar[str] = "OrderUpdated"
    VERSION: ClassVar[str] = "2.0"

    event_version: Literal["2.0"] = "2.0"
    order: OrderSummary
    customer: CustomerV2 | None = None
    metadata: Metadata


class OrderCancelled(Contract):
    SOURCE: ClassVar[str] = ORDERS_SOURCE
    DETAIL_TYPE: ClassVar[str] = "OrderCancelled"
    VERSION: ClassVar[str] = "2.0"

    event_version: Literal["2.0"] = "2.0"
    order: OrderSummary
    customer: CustomerV2 | None = None
    reason: str = Field(default="", max_length=1000)
    metadata: Metadata
