"""Orders placed through the API, driven through the services: read, list, change, cancel."""

from __future__ import annotations

import pytest

from tests.api.support import TestClient, place, problems
from tests.services.harness import Harness


def timeline(client: TestClient, order_id: str) -> list[str]:
    return [entry["detailType"] for entry in client.get(f"/orders/{order_id}").json()["timeline"]]


def test_an_order_in_stock_ends_confirmed_with_its_timeline(
    client: TestClient, harness: Harness
) -> None:
    order_id = place(client, ("KB-001", 2, 89.0))["orderId"]
    assert client.get(f"/orders/{order_id}").json()["timeline"] == []
    harness.settle()
    response = client.get(f"/orders/{order_id}")
    assert response.status_code == 200
    order = response.json()
    assert order["status"] == "CONFIRMED"
    assert order["revision"] == 2
    assert [(e["detailType"], e["source"]) for e in order["timeline"]] == [
        ("OrderCreated", "com.mycompany.orders"),
        ("InventoryReserved", "com.mycompany.inventory"),
    ]
    assert all(entry["eventId"] and entry["at"] for entry in order["timeline"])
    stock = {row["sku"]: row["available"] for row in client.get("/inventory").json()["stock"]}
    assert stock["KB-001"] == 498


def test_out_of_stock_for_an_eligible_customer_ends_refunded(
    client: TestClient, harness: Harness
) -> None:
    order_id = place(
        client, ("LT-006", 2, 1899.0), customer={"userId": "u-2", "isRefundEligible": True}
    )["orderId"]
    harness.settle()
    order = client.get(f"/orders/{order_id}").json()
    assert order["status"] == "REFUNDED"
    assert timeline(client, order_id) == [
        "OrderCreated",
        "InventoryOutOfStock",
        "RefundIssued",
        "RefundCompleted",
    ]
    for response in (
        client.post(f"/orders/{order_id}/cancel"),
        client.patch(
            f"/orders/{order_id}", json={"items": [{"sku": "KB-001", "quantity": 1, "price": 89.0}]}
        ),
    ):
        assert response.status_code == 409
        assert "REFUNDED and can no longer be" in response.json()["detail"]


def test_unknown_orders_are_404(client: TestClient) -> None:
    body = {"items": [{"sku": "KB-001", "quantity": 1, "price": 89.0}]}
    for response in (
        client.get("/orders/ord-nope"),
        client.patch("/orders/ord-nope", json=body),
        client.post("/orders/ord-nope/cancel", json={"reason": "x"}),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Order ord-nope does not exist."}


def test_changing_items_publishes_an_update_and_inventory_follows(
    client: TestClient, harness: Harness
) -> None:
    order_id = place(client, ("MS-002", 3, 29.5))["orderId"]
    harness.settle()
    response = client.patch(
        f"/orders/{order_id}",
        json={"items": [{"sku": "MS-002", "quantity": 1, "price": 29.5}], "totalAmount": 29.5},
    )
    assert response.status_code == 200
    changed = response.json()
    assert (changed["status"], changed["totalAmount"], changed["revision"]) == (
        "CONFIRMED",
        29.5,
        3,
    )
    assert changed["items"] == [{"sku": "MS-002", "quantity": 1, "price": 29.5}]
    harness.settle()
    assert "OrderUpdated" in timeline(client, order_id)


def test_changing_items_checks_them_like_a_new_order(client: TestClient) -> None:
    order_id = place(client)["orderId"]
    response = client.patch(
        f"/orders/{order_id}",
        json={"items": [{"sku": "NOPE", "quantity": 0, "price": 1.0}], "totalAmount": 3.0},
    )
    assert problems(response) == [
        (("body", "items", 0, "sku"), "unknown SKU 'NOPE'"),
        (("body", "items", 0, "quantity"), "must be a positive whole number"),
    ]
    assert problems(client.patch(f"/orders/{order_id}", json={"status": "CONFIRMED"})) == [
        (("body", "items"), "Field required"),
        (("body", "status"), "Extra inputs are not permitted"),
    ]
    assert client.get(f"/orders/{order_id}").json()["revision"] == 1


def test_an_out_of_stock_order_cannot_be_changed(client: TestClient, harness: Harness) -> None:
    order_id = place(client, ("LT-006", 2, 1899.0))["orderId"]  # not eligible: no refund
    harness.settle()
    assert client.get(f"/orders/{order_id}").json()["status"] == "OUT_OF_STOCK"
    response = client.patch(
        f"/orders/{order_id}", json={"items": [{"sku": "LT-006", "quantity": 1, "price": 1899.0}]}
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Order {order_id} is OUT_OF_STOCK and can no longer be changed."
    }


def test_cancelling_releases_stock_and_a_second_cancel_is_a_conflict(
    client: TestClient, harness: Harness
) -> None:
    order_id = place(client, ("MS-002", 3, 29.5))["orderId"]
    harness.settle()
    response = client.post(f"/orders/{order_id}/cancel", json={"reason": "changed my mind"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancelReason"]) == (
        "CANCELLED",
        "changed my mind",
    )
    harness.settle()
    stock = {row["sku"]: row["available"] for row in client.get("/inventory").json()["stock"]}
    assert stock["MS-002"] == 500
    assert timeline(client, order_id)[-1] == "OrderCancelled"
    again = client.post(f"/orders/{order_id}/cancel")
    assert again.status_code == 409
    assert again.json() == {
        "detail": f"Order {order_id} is CANCELLED and can no longer be cancelled."
    }
    change = client.patch(
        f"/orders/{order_id}", json={"items": [{"sku": "MS-002", "quantity": 1, "price": 29.5}]}
    )
    assert change.status_code == 409


def test_the_cancel_body_is_optional_but_checked_when_given(client: TestClient) -> None:
    order_id = place(client)["orderId"]
    assert problems(client.post(f"/orders/{order_id}/cancel", json={"why": "x"})) == [
        (("body", "why"), "Extra inputs are not permitted")
    ]
    assert problems(client.post(f"/orders/{order_id}/cancel", json={"reason": "x" * 1001})) == [
        (("body", "reason"), "String should have at most 1000 characters")
    ]
    response = client.post(f"/orders/{order_id}/cancel")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancelReason"]) == ("CANCELLED", "")


def test_listing_is_newest_first_filtered_and_limited(client: TestClient, harness: Harness) -> None:
    ids = []
    for n in range(3):
        ids.append(place(client, orderId=f"ord-{n}")["orderId"])
        harness.clock.advance(seconds=1)
    client.post("/orders/ord-1/cancel")
    listed = client.get("/orders").json()["orders"]
    assert [order["orderId"] for order in listed] == ["ord-2", "ord-1", "ord-0"]
    cancelled = client.get("/orders", params={"status": "CANCELLED"}).json()["orders"]
    assert [order["orderId"] for order in cancelled] == ["ord-1"]
    limited = client.get("/orders", params={"limit": 2}).json()["orders"]
    assert [order["orderId"] for order in limited] == ["ord-2", "ord-1"]
    assert "timeline" not in listed[0]


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"status": "SHIPPED"}, ("query", "status")),
        ({"status": "confirmed"}, ("query", "status")),
        ({"limit": 0}, ("query", "limit")),
        ({"limit": 501}, ("query", "limit")),
        ({"limit": "ten"}, ("query", "limit")),
    ],
)
def test_listing_refuses_bad_parameters(
    client: TestClient, params: dict[str, object], location: tuple[str, str]
) -> None:
    assert [loc for loc, _ in problems(client.get("/orders", params=params))] == [location]


def test_an_order_id_that_cannot_exist_is_a_422(client: TestClient) -> None:
    assert [loc for loc, _ in problems(client.get("/orders/-dash-first"))] == [("path", "order_id")]
