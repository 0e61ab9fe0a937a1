"""The API served by a real uvicorn on a loopback port, over a real SQLite file, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orderflow.bootstrap.system import System, install, open_system
from orderflow.entrypoints.api import MAX_BODY_BYTES, build_api, close_api
from orderflow.services.topology import SUBSCRIPTIONS
from tests.api.serving import served
from tests.api.support import order_body


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    system = open_system(tmp_path / "o.db")
    install(system)
    yield system
    system.close()


@pytest.fixture
def http(system: System) -> Iterator[httpx.Client]:
    app = build_api(system)
    try:
        with served(app) as client:
            yield client
    finally:
        close_api(app)


def settle(system: System) -> None:
    """Run every consumer's worker until a whole pass does nothing."""
    workers = [
        system.worker(name, wait_time_s=0) for name in SUBSCRIPTIONS if name != "notification"
    ]
    for _ in range(50):
        reports = [worker.run_once() for worker in workers]
        if not any(r.received or r.published for r in reports):
            return
    raise AssertionError("the system did not settle")


def test_an_order_over_http_create_get_patch_cancel(http: httpx.Client, system: System) -> None:
    created = http.post(
        "/orders", json=order_body(("MS-002", 3, 29.5)), headers={"X-Correlation-Id": "http-1"}
    )
    assert created.status_code == 201
    order_id = created.json()["orderId"]
    assert created.headers["location"] == f"/orders/{order_id}"
    assert created.json()["correlationId"] == "http-1"

    settle(system)
    order = http.get(f"/orders/{order_id}").json()
    assert order["status"] == "CONFIRMED"
    assert [entry["detailType"] for entry in order["timeline"]] == [
        "OrderCreated",
        "InventoryReserved",
    ]

    patched = http.patch(
        f"/orders/{order_id}", json={"items": [{"sku": "MS-002", "quantity": 1, "price": 29.5}]}
    )
    assert (patched.status_code, patched.json()["totalAmount"]) == (200, 29.5)

    cancelled = http.post(f"/orders/{order_id}/cancel", json={"reason": "no longer needed"})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "CANCELLED")
    again = http.post(f"/orders/{order_id}/cancel")
    assert again.status_code == 409
    assert again.json() == {
        "detail": f"Order {order_id} is CANCELLED and can no longer be cancelled."
    }

    listed = http.get("/orders", params={"status": "CANCELLED"}).json()["orders"]
    assert [o["orderId"] for o in listed] == [order_id]


def test_errors_over_http(http: httpx.Client) -> None:
    assert http.get("/orders/ord-nope").status_code == 404
    invalid = http.post("/orders", json=order_body(("NOPE", 0, 1.0)))
    assert invalid.status_code == 422
    assert [p["loc"] for p in invalid.json()["detail"]] == [
        ["body", "items", 0, "sku"],
        ["body", "items", 0, "quantity"],
    ]
    malformed = http.post("/orders", content=b"{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["msg"].startswith("The body is not valid JSON")
    assert (
        http.post("/orders", content=b"{}", headers={"Content-Type": "text/plain"}).status_code
        == 415
    )


def test_large_bodies_over_http_are_413_with_or_without_a_length(http: httpx.Client) -> None:
    big = b"[" + b" " * MAX_BODY_BYTES + b"]"
    declared = http.post("/orders", content=big, headers={"Content-Type": "application/json"})
    assert (declared.status_code, declared.json()) == (
        413,
        {"detail": f"The request body is larger than {MAX_BODY_BYTES} bytes."},
    )
    chunked = http.post(
        "/orders",
        content=iter([big[:40_000], big[40_000:]]),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.request.headers["transfer-encoding"] == "chunked"
    assert chunked.status_code == 413
    assert http.get("/health").json() == {"status": "ok"}


def test_the_api_sees_what_the_database_holds(http: httpx.Client) -> None:
    assert http.put("/inventory/WC-008", json={"available": 2, "price": 59.0}).status_code == 201
    stock = {row["sku"]: row for row in http.get("/inventory").json()["stock"]}
    assert stock["WC-008"] == {"sku": "WC-008", "available": 2, "name": "WC-008", "price": 59.0}
