"""Helpers of the API tests: the test client, request bodies, and reading 422s."""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():
    # Starlette 1.x asks for `httpx2` when it finds `httpx` (the pinned test client); the
    # warning is raised once, at import, and says nothing about our code.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

__all__ = ["TestClient", "order_body", "place", "problems"]


def order_body(*items: tuple[str, int, float], **fields: Any) -> dict[str, Any]:
    """A POST /orders body (one keyboard unless told), with ``fields`` on top."""
    lines = items or (("KB-001", 1, 89.0),)
    return {
        "customer": {"userId": "u-1"},
        "items": [{"sku": sku, "quantity": qty, "price": price} for sku, qty, price in lines],
        **fields,
    }


def place(client: TestClient, *items: tuple[str, int, float], **fields: Any) -> dict[str, Any]:
    response = client.post("/orders", json=order_body(*items, **fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def problems(response: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """A 422's problems as (location, message) pairs."""
    assert response.status_code == 422, response.text
    return [(tuple(p["loc"]), p["msg"]) for p in response.json()["detail"]]
