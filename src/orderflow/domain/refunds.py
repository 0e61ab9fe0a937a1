"""Refunds: issued for an order that could not be fulfilled, then completed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum


class RefundStatus(StrEnum):
    ISSUED = "ISSUED"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class Refund:
    refund_id: str
    order_id: str
    amount: Decimal
    currency: str
    reason: str
    status: RefundStatus
    issued_at: str
    completed_at: str | None = None

    def complete(self, now: str) -> Refund:
        """The completed refund (completing twice changes nothing)."""
        if self.status is RefundStatus.COMPLETED:
            return self
        return replace(self, status=RefundStatus.COMPLETED, completed_at=now)


def refund_id_for(order_id: str) -> str:
    """One refund per order: its id derives from the order's, so a retry finds it again."""
    return f"rf-{order_id}"
