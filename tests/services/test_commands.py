"""The order service's commands: validation and conflicts, with every problem listed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orderflow.domain.errors import InvalidOrder, OrderConflict
from orderflow.services.orders import commands
from tests.services.harness import make_harness

pytestmark = pytest.mark.usefixtures("transport")


def _place(**changes: object) -> commands.PlaceOrder:
    request = {
        "customer_id": "u-1",
        "currency": "USD",
        "channel": "web",
        "items": [("KB-001", 1, Decimal("89.00"))],
        "refund_eligible": False,
        "payment_method": "card",
    }
    request.update(changes)
    return commands.PlaceOrder(**request)  # type: ignore[arg-type]


def test_every_problem_with_an_order_is_reported_at_once() -> None:
    h = make_harness()
    with pytest.raises(InvalidOrder) as caught, h.command() as ctx:
        commands.place(
            ctx,
            _place(
                currency="XXX",
                items=[
                    ("NOPE", 1, Decimal("1")),
                    ("KB-001", 0, Decimal("89")),
                    ("MS-002", 1, Decimal("-2")),
                    ("CB-004", 1, Decimal("9.999")),
                ],
            ),
        )
    problems = {(p.location, p.message) for p in caught.value.problems}
    assert (("items", 0, "sku"), "unknown SKU 'NOPE'") in problems
    assert (("items", 1, "quantity"), "must be a positive whole number") in problems
    assert (("items", 2, "price"), "must be a positive amount") in problems
    assert (("items", 3, "price"), "must not have more than 2 decimals") in problems
    assert any(p.location == ("currency",) for p in caught.value.problems)


def test_a_declared_total_must_match_the_lines() -> None:
    h = make_harness()
    with pytest.raises(InvalidOrder, match=r"add up to 89\.00"), h.command() as ctx:
        commands.place(ctx, _place(declared_total=Decimal("90")))


def test_a_cancelled_order_cannot_be_changed_or_cancelled_again() -> None:
    h = make_harness()
    order_id = h.place(("KB-001", 1, "89.00"))
    with h.command() as ctx:
        commands.cancel(ctx, order_id, "no")
    with pytest.raises(OrderConflict, match="CANCELLED"), h.command() as ctx:
        commands.cancel(ctx, order_id, "again")
    with pytest.raises(OrderConflict), h.command() as ctx:
        commands.change_items(ctx, order_id, [("KB-001", 2, Decimal("89.00"))])


def test_a_refused_command_leaves_nothing_in_the_outbox() -> None:
    h = make_harness()
    with pytest.raises(InvalidOrder), h.command() as ctx:
        commands.place(ctx, _place(items=[]))
    with h.system.state.reader() as state:
        assert state.pending_events(10) == []
    assert h.depth("inventory") == 0


def test_a_price_must_be_the_catalogs() -> None:
    h = make_harness()
    with pytest.raises(InvalidOrder) as caught, h.command() as ctx:
        commands.place(ctx, _place(items=[("KB-001", 1, Decimal("0.01"))]))
    [problem] = caught.value.problems
    assert problem.location == ("items", 0, "price")
    assert problem.message == "is 0.01 but KB-001 costs 89.00"
