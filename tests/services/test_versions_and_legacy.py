"""Both contract versions in flight, and the Node.js tutorial's flat events."""

from __future__ import annotations

from typing import Any

import pytest

from orderflow.services.orders import commands
from orderflow.services.topology import SUBSCRIPTIONS
from tests.services.harness import make_harness

pytestmark = pytest.mark.usefixtures("transport")

V1: dict[str, Any] = {
    "eventVersion": "1.0",
    "order": {
        "orderId": "v1-1",
        "totalAmount": 59.0,
        "currency": "USD",
        "items": [{"sku": "MS-002", "quantity": 2, "price": 29.5}],
    },
    "customer": {"userId": "old"},
    "payment": {"method": "card"},
    "metadata": {"createdAt": "2026-11-30T09:00:00Z", "correlationId": "journey-v1"},
}


def test_a_version_1_order_is_upcast_and_never_refunded_automatically() -> None:
    h = make_harness()
    h.put("com.mycompany.orders", "OrderCreated", V1)
    h.settle()
    order = h.order("v1-1")
    assert order["status"] == "CONFIRMED"
    assert order["channel"] == "unknown"
    assert order["refundEligible"] is False
    assert h.stock("MS-002") == 498
    assert [m.kind for m in h.mailer.sent] == ["confirmation"]


def test_a_version_1_order_out_of_stock_is_not_refunded() -> None:
    h = make_harness()
    detail = {
        **V1,
        "order": {
            **V1["order"],
            "orderId": "v1-2",
            "items": [{"sku": "LT-006", "quantity": 5, "price": 1899.0}],
            "totalAmount": 9495.0,
        },
    }
    h.put("com.mycompany.orders", "OrderCreated", detail)
    h.settle()
    assert h.order("v1-2")["status"] == "OUT_OF_STOCK"
    assert h.depth("refund") == 0
    with h.system.state.reader() as state:
        assert list(state.scan("refunds.refund")) == []


def test_the_tutorial_publisher_drives_the_system_unchanged() -> None:
    h = make_harness()
    h.put(
        "com.example.orders",
        "OrderCreated",
        {
            "orderId": "node-1",
            "status": "CREATED",
            "timestamp": "2026-11-30T09:00:00.000Z",
            "customerId": "cust-7",
            "items": [{"productId": "KB-001", "quantity": 2, "price": 89}],
            "total": 178,
        },
    )
    h.settle()
    assert h.order("node-1")["status"] == "CONFIRMED"
    assert h.stock("KB-001") == 498
    h.put(
        "com.example.orders",
        "OrderUpdated",
        {
            "orderId": "node-1",
            "status": "UPDATED",
            "timestamp": "2026-11-30T09:00:02.000Z",
            "changes": {
                "items": [{"productId": "KB-001", "quantity": 3, "price": 89}],
                "total": 267,
            },
        },
    )
    h.settle()
    assert h.stock("KB-001") == 497
    assert h.order("node-1")["items"][0]["quantity"] == 3
    h.put(
        "com.example.orders",
        "OrderCancelled",
        {
            "orderId": "node-1",
            "status": "CANCELLED",
            "timestamp": "2026-11-30T09:00:04.000Z",
            "reason": "Customer request",
        },
    )
    h.settle()
    order = h.order("node-1")
    assert order["status"] == "CANCELLED"
    assert order["cancelReason"] == "Customer request"
    assert h.stock("KB-001") == 500
    assert sorted(m.kind for m in h.mailer.sent) == ["cancellation", "confirmation"]
    assert all(m.recipient == "cust-7@customers.orderflow.test" for m in h.mailer.sent)
    assert [e["detailType"] for e in order["timeline"]] == [
        "OrderCreated",
        "InventoryReserved",
        "OrderUpdated",
        "InventoryReserved",
        "OrderCancelled",
    ]


def test_a_cancel_that_overtakes_the_creation_reserves_nothing() -> None:
    h = make_harness()
    h.put(
        "com.example.orders",
        "OrderCancelled",
        {"orderId": "node-2", "status": "CANCELLED", "timestamp": "t", "reason": "oops"},
    )
    h.settle()
    h.put(
        "com.example.orders",
        "OrderCreated",
        {
            "orderId": "node-2",
            "status": "CREATED",
            "timestamp": "t",
            "customerId": "c",
            "items": [{"productId": "HP-005", "quantity": 1, "price": 199}],
            "total": 199,
        },
    )
    h.settle()
    assert h.stock("HP-005") == 100
    order = h.order("node-2")
    assert order["status"] == "CANCELLED"
    assert order["cancelReason"] == "oops"
    assert [e["detailType"] for e in order["timeline"]] == ["OrderCreated", "OrderCancelled"]
    # Notification learnt whom to tell only from the creation: it tells of the
    # cancellation, never confirms an order that is cancelled.
    [told] = h.mailer.sent
    assert (told.kind, told.recipient) == ("cancellation", "c@customers.orderflow.test")
    assert "oops" in told.body


def test_a_cancellation_that_overtakes_the_creation_at_notification_is_told_once() -> None:
    """The OrderCreated's first delivery to notification is held (as by a consumer that
    timed out), so OrderCancelled, which names the customer, is handled first."""
    h = make_harness()
    queue = SUBSCRIPTIONS["notification"].queue
    order_id = h.place(("KB-001", 1, "89.00"))
    held = h.carrier.hold(queue, visibility_s=60)
    assert held is not None
    with h.command() as ctx:
        commands.cancel(ctx, order_id, "changed my mind")
    h.settle()
    assert [m.kind for m in h.mailer.sent] == ["cancellation"]
    h.carrier.release(queue, held)
    h.settle()
    [told] = h.mailer.sent  # no confirmation of a cancelled order, no second cancellation
    assert (told.kind, told.recipient) == ("cancellation", "u-1@customers.orderflow.test")
    assert h.depth(queue) == 0
    assert h.order(order_id)["status"] == "CANCELLED"


def test_an_inventory_answer_that_overtakes_order_processing_is_applied_later() -> None:
    h = make_harness()
    h.put(
        "com.example.orders",
        "OrderCreated",
        {
            "orderId": "node-3",
            "status": "CREATED",
            "timestamp": "t",
            "customerId": "c",
            "items": [{"productId": "HP-005", "quantity": 1, "price": 199}],
            "total": 199,
        },
    )
    h.workers["inventory"].run_once()
    # order-processing receives InventoryReserved before the OrderCreated it answers:
    # take OrderCreated out of its queue for a moment.
    held = h.carrier.hold("order-processing", visibility_s=5)
    assert held and "OrderCreated" in held.body
    h.workers["order-processing"].run_once()
    h.elapse(6)
    h.settle()
    order = h.order("node-3")
    assert order["status"] == "CONFIRMED"
    assert [e["detailType"] for e in order["timeline"]] == ["OrderCreated", "InventoryReserved"]


def test_an_update_beyond_the_stock_makes_the_order_out_of_stock_and_frees_its_stock() -> None:
    from decimal import Decimal

    from orderflow.services.orders import commands

    h = make_harness()
    order_id = h.place(("HP-005", 10, "199.00"), eligible=True)
    h.settle()
    assert h.stock("HP-005") == 90
    with h.command() as ctx:
        commands.change_items(ctx, order_id, [("HP-005", 150, Decimal("199.00"))])
    h.settle()
    assert h.stock("HP-005") == 100
    assert h.order(order_id)["status"] == "REFUNDED"
