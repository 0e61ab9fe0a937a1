"""The order aggregate: line items, totals, states and the transitions between them.

    CREATED ──stock reserved──> CONFIRMED
       │  └──────────┐            │
       │       stock short        │ stock short (after an update)
       │             v            v
       │         OUT_OF_STOCK ──refund issued──> REFUND_PENDING ──refund done──> REFUNDED
       │             │
       └──cancel─────┴──────────> CANCELLED       (also from CONFIRMED)

Commands (update, cancel) raise ``OrderConflict`` in a state that forbids them.
Reactions to events (confirm, out_of_stock, refund_issued, refunded) never raise:
an event that arrives after the order moved on (a reservation after a cancel) leaves
the order as it is, so a late or replayed event cannot wedge a consumer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Final

from orderflow.domain.errors import InvalidOrder, OrderConflict, Problem
from orderflow.domain.money import CURRENCIES, has_more_than_cents, to_amount

MAX_ITEMS: Final = 100
MAX_QUANTITY: Final = 10_000
MAX_PRICE: Final = Decimal("1000000")
MAX_STOCK: Final = 1_000_000_000
"""The most units of one SKU the stock may hold (a level is a 64-bit integer in every store)."""


class OrderStatus(StrEnum):
    CREATED = "CREATED"
    CONFIRMED = "CONFIRMED"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    REFUND_PENDING = "REFUND_PENDING"
    REFUNDED = "REFUNDED"
    CANCELLED = "CANCELLED"


CHANGEABLE: Final = frozenset({OrderStatus.CREATED, OrderStatus.CONFIRMED})
CANCELLABLE: Final = frozenset(
    {OrderStatus.CREATED, OrderStatus.CONFIRMED, OrderStatus.OUT_OF_STOCK}
)


@dataclass(frozen=True)
class LineItem:
    sku: str
    quantity: int
    price: Decimal

    @property
    def total(self) -> Decimal:
        return to_amount(self.price * self.quantity)


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    currency: str
    channel: str
    items: tuple[LineItem, ...]
    status: OrderStatus
    refund_eligible: bool
    payment_method: str
    created_at: str
    updated_at: str
    cancel_reason: str | None = None
    revision: int = 1

    @property
    def total(self) -> Decimal:
        return order_total(self.items)

    # -- commands --------------------------------------------------------------

    def change_items(self, items: Sequence[LineItem], now: str) -> Order:
        """The order with new items (OrderUpdated); only before it is settled."""
        if self.status not in CHANGEABLE:
            raise OrderConflict(
                f"Order {self.order_id} is {self.status.value} and can no longer be changed."
            )
        return replace(self, items=tuple(items), updated_at=now, revision=self.revision + 1)

    def cancel(self, reason: str, now: str) -> Order:
        """The cancelled order (OrderCancelled)."""
        if self.status not in CANCELLABLE:
            raise OrderConflict(
                f"Order {self.order_id} is {self.status.value} and can no longer be cancelled."
            )
        return self._moved(OrderStatus.CANCELLED, now, cancel_reason=reason)

    # -- reactions to events ------------------------------------------------------

    def confirm(self, now: str) -> Order:
        """Stock was reserved."""
        if self.status is OrderStatus.CREATED:
            return self._moved(OrderStatus.CONFIRMED, now)
        return self

    def out_of_stock(self, now: str) -> Order:
        """Stock was short."""
        if self.status in CHANGEABLE:
            return self._moved(OrderStatus.OUT_OF_STOCK, now)
        return self

    def refund_issued(self, now: str) -> Order:
        if self.status is OrderStatus.OUT_OF_STOCK:
            return self._moved(OrderStatus.REFUND_PENDING, now)
        return self

    def refunded(self, now: str) -> Order:
        if self.status in (OrderStatus.OUT_OF_STOCK, OrderStatus.REFUND_PENDING):
            return self._moved(OrderStatus.REFUNDED, now)
        return self

    def _moved(self, status: OrderStatus, now: str, **changes: object) -> Order:
        return replace(self, status=status, updated_at=now, revision=self.revision + 1, **changes)  # type: ignore[arg-type]


def order_total(items: Sequence[LineItem]) -> Decimal:
    return to_amount(sum((item.total for item in items), Decimal(0)))


def line_items(
    raw: Sequence[tuple[str, int, float | int | str | Decimal]],
    *,
    catalog: Mapping[str, Decimal] | None = None,
    location: str = "items",
) -> tuple[list[LineItem], list[Problem]]:
    """Line items from ``(sku, quantity, price)`` triples, and every problem with them;
    with a ``catalog`` (SKU → price), each SKU must be in it at its price."""
    problems: list[Problem] = []
    items: list[LineItem] = []
    if not raw:
        problems.append(Problem((location,), "an order needs at least one item"))
    if len(raw) > MAX_ITEMS:
        problems.append(Problem((location,), f"at most {MAX_ITEMS} items per order"))
    seen: set[str] = set()
    for index, (sku, quantity, price) in enumerate(raw):
        where = (location, index)
        if not sku.strip():
            problems.append(Problem((*where, "sku"), "must not be empty"))
        elif catalog is not None and sku not in catalog:
            problems.append(Problem((*where, "sku"), f"unknown SKU {sku!r}"))
        if sku in seen:
            problems.append(Problem((*where, "sku"), f"SKU {sku!r} appears twice; merge the lines"))
        seen.add(sku)
        if quantity <= 0:
            problems.append(Problem((*where, "quantity"), "must be a positive whole number"))
        elif quantity > MAX_QUANTITY:
            problems.append(Problem((*where, "quantity"), f"at most {MAX_QUANTITY} per line"))
        amount = Decimal(str(price))
        if not amount.is_finite() or amount <= 0:
            problems.append(Problem((*where, "price"), "must be a positive amount"))
        elif amount > MAX_PRICE:
            problems.append(Problem((*where, "price"), f"must be at most {MAX_PRICE}"))
        elif has_more_than_cents(amount):
            problems.append(Problem((*where, "price"), "must not have more than 2 decimals"))
        elif catalog is not None and sku in catalog and to_amount(amount) != catalog[sku]:
            problems.append(
                Problem((*where, "price"), f"is {amount} but {sku} costs {catalog[sku]}")
            )
        else:
            items.append(LineItem(sku, quantity, to_amount(amount)))
    return items, problems


def check_currency(currency: str) -> list[Problem]:
    if currency not in CURRENCIES:
        return [
            Problem(
                ("currency",),
                f"unsupported currency {currency!r}; use one of {', '.join(sorted(CURRENCIES))}",
            )
        ]
    return []


def check_total(
    declared: float | int | str | Decimal | None, items: Sequence[LineItem]
) -> list[Problem]:
    """A declared total must equal the sum of the lines."""
    if declared is None or not items:
        return []
    total = order_total(items)
    try:
        matches = to_amount(declared) == total
    except ValueError as exc:
        return [Problem(("totalAmount",), str(exc))]
    if not matches:
        return [Problem(("totalAmount",), f"is {declared} but the items add up to {total}")]
    return []


def place_order(
    *,
    order_id: str,
    customer_id: str,
    currency: str,
    channel: str,
    items: Sequence[tuple[str, int, float | int | str | Decimal]],
    refund_eligible: bool,
    payment_method: str,
    now: str,
    declared_total: float | int | str | Decimal | None = None,
    catalog: Mapping[str, Decimal] | None = None,
) -> Order:
    """A new order, or ``InvalidOrder`` listing every problem at once."""
    lines, problems = line_items(items, catalog=catalog)
    problems += check_currency(currency)
    if not customer_id.strip():
        problems.append(Problem(("customer", "userId"), "must not be empty"))
    if not problems:
        problems += check_total(declared_total, lines)
    if problems:
        raise InvalidOrder(problems)
    return Order(
        order_id=order_id,
        customer_id=customer_id,
        currency=currency,
        channel=channel,
        items=tuple(lines),
        status=OrderStatus.CREATED,
        refund_eligible=refund_eligible,
        payment_method=payment_method,
        created_at=now,
        updated_at=now,
    )
