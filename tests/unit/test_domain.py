"""The domain's rules, without I/O: order states, stock reservation, refunds."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from orderflow.domain.errors import OrderConflict
from orderflow.domain.inventory import (
    Reservation,
    Shortage,
    after_release,
    after_reservation,
    reserve,
)
from orderflow.domain.orders import LineItem, Order, OrderStatus
from orderflow.domain.refunds import Refund, RefundStatus

NOW = "2026-11-30T10:00:00Z"


def order(status: OrderStatus = OrderStatus.CREATED) -> Order:
    return Order(
        "o-1",
        "u-1",
        "USD",
        "web",
        (LineItem("A", 2, Decimal("1.25")),),
        status,
        True,
        "card",
        NOW,
        NOW,
    )


def test_total_is_exact_to_the_cent() -> None:
    items = (LineItem("A", 3, Decimal("0.10")), LineItem("B", 1, Decimal("19.99")))
    assert replace(order(), items=items).total == Decimal("20.29")


@pytest.mark.parametrize(
    ("start", "reaction", "end"),
    [
        (OrderStatus.CREATED, "confirm", OrderStatus.CONFIRMED),
        (OrderStatus.CANCELLED, "confirm", OrderStatus.CANCELLED),
        (OrderStatus.CREATED, "out_of_stock", OrderStatus.OUT_OF_STOCK),
        (OrderStatus.CONFIRMED, "out_of_stock", OrderStatus.OUT_OF_STOCK),
        (OrderStatus.CANCELLED, "out_of_stock", OrderStatus.CANCELLED),
        (OrderStatus.OUT_OF_STOCK, "refund_issued", OrderStatus.REFUND_PENDING),
        (OrderStatus.CONFIRMED, "refund_issued", OrderStatus.CONFIRMED),
        (OrderStatus.REFUND_PENDING, "refunded", OrderStatus.REFUNDED),
        (OrderStatus.OUT_OF_STOCK, "refunded", OrderStatus.REFUNDED),
        (OrderStatus.REFUNDED, "refunded", OrderStatus.REFUNDED),
    ],
)
def test_reactions_to_events_never_raise(
    start: OrderStatus, reaction: str, end: OrderStatus
) -> None:
    assert getattr(order(start), reaction)(NOW).status is end


@pytest.mark.parametrize(
    "status", [OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.REFUND_PENDING]
)
def test_a_settled_order_cannot_be_cancelled(status: OrderStatus) -> None:
    with pytest.raises(OrderConflict, match=status.value):
        order(status).cancel("why", NOW)


@pytest.mark.parametrize(
    "status", [OrderStatus.CANCELLED, OrderStatus.OUT_OF_STOCK, OrderStatus.REFUNDED]
)
def test_only_an_open_order_changes_items(status: OrderStatus) -> None:
    with pytest.raises(OrderConflict):
        order(status).change_items([LineItem("A", 1, Decimal(1))], NOW)


def test_every_transition_moves_the_revision() -> None:
    assert order().confirm(NOW).revision == 2
    assert order().confirm(NOW).confirm(NOW).revision == 2


def test_reserving_is_all_or_nothing() -> None:
    stock = {"A": 5, "B": 1}
    assert reserve(stock, [("A", 2), ("A", 3), ("B", 1)]) == Reservation({"A": 5, "B": 1})
    assert reserve(stock, [("A", 4), ("B", 2), ("C", 1)]) == [
        Shortage("B", 2, 1),
        Shortage("C", 1, 0),
    ]
    held = Reservation({"A": 2})
    assert after_reservation(stock, held) == {"A": 3}
    assert after_release({"A": 3}, held) == {"A": 5}


def test_completing_a_refund_twice_changes_nothing() -> None:
    refund = Refund("rf-o-1", "o-1", Decimal("10.00"), "USD", "short", RefundStatus.ISSUED, NOW)
    done = refund.complete("later")
    assert done.status is RefundStatus.COMPLETED
    assert done.complete("even later") == done
