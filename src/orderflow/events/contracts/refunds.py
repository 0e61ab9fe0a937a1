"""The refund service's events: RefundIssued, RefundCompleted."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from orderflow.events.contracts.base import Contract, Metadata
from orderflow.events.contracts.orders import CustomerV2

REFUNDS_SOURCE = "com.mycompany.refunds"


class RefundDetails(Contract):
    refund_id: str = Field(min_length=1)
    order_id: str = Field(min_length=1)
    amount: float = Field(ge=0, lt=1e12)
    currency: str = Field(min_length=3, max_length=3)
    reason: str


class RefundIssued(Contract):
    SOURCE: ClassVar[str] = REFUNDS_SOURCE
    DETAIL_TYPE: ClassVar[str] = "RefundIssued"
    VERSION: ClassVar[str] = "1.0"

    event_version: Literal["1.0"] = "1.0"
    refund: RefundDetails
    customer: CustomerV2
    metadata: Metadata


class RefundCompleted(Contract):
    SOURCE: ClassVar[str] = REFUNDS_SOURCE
    DETAIL_TYPE: ClassVar[str] = "RefundCompleted"
    VERSION: ClassVar[str] = "1.0"

    event_version: Literal["1.0"] = "1.0"
    refund: RefundDetails
    customer: CustomerV2
    completed_at: str
    metadata: Metadata
