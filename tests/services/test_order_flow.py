"""The order services through the bus, in memory: outcomes, not calls."""

from __future__ import annotations

import pytest

from tests.services.harness import make_harness

pytestmark = pytest.mark.usefixtures("transport")


def test_an_order_in_stock_is_confirmed_reserved_mailed_and_counted() -> None:
    h = make_harness()
    order_id = h.place(("KB-001", 2, "89.00"), ("CB-004", 1, "9.99"))
    h.settle()
    assert h.order(order_id)["status"] == "CONFIRMED"
    assert h.stock("KB-001") == 498
    assert [mail.kind for mail in h.mailer.sent] == ["confirmation"]
    timeline = [entry["detailType"] for entry in h.order(order_id)["timeline"]]
    assert timeline == ["OrderCreated", "InventoryReserved"]


def test_out_of_stock_for_an_eligible_customer_runs_the_refund_saga() -> None:
    h = make_harness()
    order_id = h.place(("LT-006", 2, "1899.00"), eligible=True)
    h.settle()
    assert h.order(order_id)["status"] == "REFUNDED"
    assert h.stock("LT-006") == 1
    assert sorted(mail.kind for mail in h.mailer.sent) == ["confirmation", "refund"]


def test_cancel_releases_stock() -> None:
    from orderflow.services.orders import commands

    h = make_harness()
    order_id = h.place(("MS-002", 3, "29.50"))
    h.settle()
    assert h.stock("MS-002") == 497
    with h.command() as ctx:
        commands.cancel(ctx, order_id, "changed my mind")
    h.settle()
    assert h.order(order_id)["status"] == "CANCELLED"
    assert h.stock("MS-002") == 500
    assert sorted(mail.kind for mail in h.mailer.sent) == ["cancellation", "confirmation"]
