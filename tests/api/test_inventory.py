"""GET /inventory and the operator's PUT /inventory/{sku}."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import TestClient, order_body, place, problems
from tests.services.harness import Harness


def stock_of(client: TestClient, sku: str) -> dict[str, Any] | None:
    rows = client.get("/inventory").json()["stock"]
    return next((row for row in rows if row["sku"] == sku), None)


def test_the_stock_lists_every_sku_with_its_catalog_entry(client: TestClient) -> None:
    response = client.get("/inventory")
    assert response.status_code == 200
    rows = response.json()["stock"]
    assert [row["sku"] for row in rows] == sorted(row["sku"] for row in rows)
    assert len(rows) == 7
    assert stock_of(client, "LT-006") == {
        "sku": "LT-006",
        "available": 1,
        "name": "Limited-edition laptop",
        "price": 1899.0,
    }


def test_restocking_makes_an_order_servable(client: TestClient, harness: Harness) -> None:
    response = client.put("/inventory/LT-006", json={"available": 5})
    assert response.status_code == 200
    assert response.json() == {
        "sku": "LT-006",
        "available": 5,
        "name": "Limited-edition laptop",
        "price": 1899.0,
    }
    order_id = place(client, ("LT-006", 2, 1899.0))["orderId"]
    harness.settle()
    assert client.get(f"/orders/{order_id}").json()["status"] == "CONFIRMED"
    assert stock_of(client, "LT-006") == {**response.json(), "available": 3}


def test_a_catalog_sku_can_be_renamed_and_repriced(client: TestClient) -> None:
    response = client.put(
        "/inventory/KB-001", json={"available": 7, "price": 79.5, "name": "Keyboard"}
    )
    assert response.status_code == 200
    assert response.json() == {"sku": "KB-001", "available": 7, "name": "Keyboard", "price": 79.5}


def test_a_new_sku_needs_a_price_and_joins_the_catalog(client: TestClient) -> None:
    assert problems(client.put("/inventory/WC-008", json={"available": 3})) == [
        (("body", "price"), "required for 'WC-008', which is not in the catalog yet")
    ]
    assert stock_of(client, "WC-008") is None
    response = client.put("/inventory/WC-008", json={"available": 3, "price": 59})
    assert response.status_code == 201
    assert response.json() == {"sku": "WC-008", "available": 3, "name": "WC-008", "price": 59.0}
    assert client.post("/orders", json=order_body(("WC-008", 1, 59.0))).status_code == 201


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"available": -1}, (("body", "available"), "Input should be greater than or equal to 0")),
        ({"available": "5"}, (("body", "available"), "Input should be a valid integer")),
        (
            {"available": 10**23},  # beyond 64 bits: refused, not stored (was a 500)
            (("body", "available"), "Input should be less than or equal to 1000000000"),
        ),
        ({}, (("body", "available"), "Field required")),
        ({"available": 1, "price": 0}, (("body", "price"), "Input should be greater than 0")),
        (
            {"available": 1, "price": 1.005},
            (("body", "price"), "Value error, must not have more than 2 decimals"),
        ),
        ({"available": 1, "stock": 2}, (("body", "stock"), "Extra inputs are not permitted")),
    ],
)
def test_an_invalid_adjustment_is_a_422(
    client: TestClient, body: dict[str, Any], expected: tuple[tuple[str, ...], str]
) -> None:
    assert problems(client.put("/inventory/KB-001", json=body)) == [expected]
    assert stock_of(client, "KB-001") == {
        "sku": "KB-001",
        "available": 500,
        "name": "Mechanical keyboard",
        "price": 89.0,
    }


@pytest.mark.parametrize("sku", ["x" * 65, " KB"])
def test_a_sku_the_events_could_not_carry_is_a_422(client: TestClient, sku: str) -> None:
    assert [loc for loc, _ in problems(client.put(f"/inventory/{sku}", json={"available": 1}))] == [
        ("path", "sku")
    ]


def test_an_adjustment_must_be_json(client: TestClient) -> None:
    response = client.put(
        "/inventory/KB-001", content=b"available=3", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
