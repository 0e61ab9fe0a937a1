"""The analytics report: orders, revenue by currency and channel, rates, refunds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orderflow.app import ServiceState
from orderflow.domain.money import to_amount
from orderflow.services.analytics.consumer import EVENT_COUNTS, ORDER_FACTS


@dataclass
class Report:
    orders: int = 0
    cancelled: int = 0
    out_of_stock: int = 0
    refunds: int = 0
    revenue: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    """(currency, channel) → total of the orders that were neither cancelled nor refunded."""
    refunded: dict[str, Decimal] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)

    @property
    def cancellation_rate(self) -> float:
        return self.cancelled / self.orders if self.orders else 0.0

    @property
    def out_of_stock_rate(self) -> float:
        return self.out_of_stock / self.orders if self.orders else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "cancelled": self.cancelled,
            "outOfStock": self.out_of_stock,
            "cancellationRate": round(self.cancellation_rate, 4),
            "outOfStockRate": round(self.out_of_stock_rate, 4),
            "revenue": [
                {"currency": currency, "channel": channel, "amount": str(amount)}
                for (currency, channel), amount in sorted(self.revenue.items())
            ],
            "refunds": self.refunds,
            "refunded": {
                currency: str(amount) for currency, amount in sorted(self.refunded.items())
            },
            "events": dict(sorted(self.events.items())),
        }


def build_report(facts: Iterable[dict[str, Any]], counts: Iterable[dict[str, Any]]) -> Report:
    report = Report()
    for order in facts:
        if not order.get("created"):
            continue
        report.orders += 1
        report.cancelled += bool(order.get("cancelled"))
        report.out_of_stock += bool(order.get("outOfStock"))
        if "refunded" in order:
            report.refunds += 1
            currency = order.get("refundCurrency", order["currency"])
            report.refunded[currency] = report.refunded.get(currency, Decimal(0)) + to_amount(
                order["refunded"]
            )
        if not order.get("cancelled") and not order.get("outOfStock"):
            key = (order["currency"], order["channel"])
            report.revenue[key] = report.revenue.get(key, Decimal(0)) + to_amount(order["total"])
    for count in counts:
        name = count["detailType"]
        report.events[name] = report.events.get(name, 0) + int(count["count"])
    return report


def report_from(state: ServiceState) -> Report:
    return build_report(state.scan(ORDER_FACTS), state.scan(EVENT_COUNTS))
