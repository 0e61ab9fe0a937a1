"""POST /orders: the order is saved, its event published at once, and bad input refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import TestClient, order_body, place, problems
from tests.services.harness import Harness


def test_placing_an_order_answers_201_with_the_order_and_its_location(
    client: TestClient,
) -> None:
    response = client.post(
        "/orders",
        json=order_body(("KB-001", 2, 89.0), ("CB-004", 1, 9.99), totalAmount=187.99),
    )
    assert response.status_code == 201
    order = response.json()
    assert response.headers["Location"] == f"/orders/{order['orderId']}"
    assert order["orderId"].startswith("ord-")
    assert order["status"] == "CREATED"
    assert order["customer"] == {"userId": "u-1", "isRefundEligible": False}
    assert (order["currency"], order["channel"], order["payment"]) == (
        "USD",
        "web",
        {"method": "card"},
    )
    assert order["items"] == [
        {"sku": "KB-001", "quantity": 2, "price": 89.0},
        {"sku": "CB-004", "quantity": 1, "price": 9.99},
    ]
    assert order["totalAmount"] == 187.99
    assert order["createdAt"] == order["updatedAt"] == "2026-01-01T00:00:00Z"
    assert order["correlationId"].startswith("cor-")
    assert response.headers["X-Correlation-Id"] == order["correlationId"]


def test_the_event_goes_out_at_once_with_the_callers_correlation_id(
    client: TestClient, harness: Harness
) -> None:
    response = client.post(
        "/orders",
        json=order_body(orderId="ord-mine", customer={"userId": "u-7", "isRefundEligible": True}),
        headers={"X-Correlation-Id": "journey-1"},
    )
    assert response.status_code == 201
    assert response.json()["correlationId"] == "journey-1"
    with harness.system.state.reader() as state:
        events = state.events_of("journey-1")
    assert [(row.event.detail_type, row.published_ms is not None) for row in events] == [
        ("OrderCreated", True)
    ]
    detail = events[0].event.detail
    assert detail["order"]["orderId"] == "ord-mine"
    assert detail["customer"] == {"userId": "u-7", "isRefundEligible": True}
    assert detail["metadata"]["correlationId"] == "journey-1"


def test_an_order_id_in_use_is_a_conflict(client: TestClient) -> None:
    place(client, orderId="ord-1")
    response = client.post("/orders", json=order_body(orderId="ord-1"))
    assert response.status_code == 409
    assert response.json() == {"detail": "Order ord-1 already exists."}


INVALID_BODIES: list[tuple[str, dict[str, Any], list[tuple[tuple[str | int, ...], str]]]] = [
    (
        "unknown SKU",
        order_body(("NOPE", 1, 5.0)),
        [(("body", "items", 0, "sku"), "unknown SKU 'NOPE'")],
    ),
    (
        "zero quantity",
        order_body(("KB-001", 0, 89.0)),
        [(("body", "items", 0, "quantity"), "must be a positive whole number")],
    ),
    (
        "negative quantity, and an unknown SKU: both reported",
        order_body(("KB-001", -2, 89.0), ("NOPE", 1, 1.0)),
        [
            (("body", "items", 0, "quantity"), "must be a positive whole number"),
            (("body", "items", 1, "sku"), "unknown SKU 'NOPE'"),
        ],
    ),
    (
        "a quantity as a string",
        order_body(("KB-001", "3", 89.0)),  # type: ignore[arg-type]
        [(("body", "items", 0, "quantity"), "Input should be a valid integer")],
    ),
    (
        "a quantity with decimals",
        order_body(("KB-001", 1.5, 89.0)),  # type: ignore[arg-type]
        [(("body", "items", 0, "quantity"), "Input should be a valid integer")],
    ),
    (
        "a price as a string",
        order_body(("KB-001", 1, "89.00")),  # type: ignore[arg-type]
        [(("body", "items", 0, "price"), "Input should be a valid number")],
    ),
    (
        "a price below the cent",
        order_body(("KB-001", 1, 89.001)),
        [(("body", "items", 0, "price"), "must not have more than 2 decimals")],
    ),
    (
        "a zero price",
        order_body(("KB-001", 1, 0)),
        [(("body", "items", 0, "price"), "must be a positive amount")],
    ),
    (
        "no items",
        {"customer": {"userId": "u-1"}, "items": []},
        [(("body", "items"), "an order needs at least one item")],
    ),
    (
        "a SKU twice",
        order_body(("KB-001", 1, 89.0), ("KB-001", 1, 89.0)),
        [(("body", "items", 1, "sku"), "SKU 'KB-001' appears twice; merge the lines")],
    ),
    (
        "a total that does not add up",
        order_body(totalAmount=10.5),
        [(("body", "totalAmount"), "is 10.5 but the items add up to 89.00")],
    ),
    (
        "an unsupported currency",
        order_body(currency="XYZ"),
        [
            (
                ("body", "currency"),
                "unsupported currency 'XYZ'; "
                "use one of AUD, CAD, CHF, EUR, GBP, JPY, NOK, SEK, USD",
            )
        ],
    ),
    (
        "a blank customer",
        order_body(customer={"userId": "  "}),
        [(("body", "customer", "userId"), "must not be empty")],
    ),
    (
        "no customer",
        {"items": [{"sku": "KB-001", "quantity": 1, "price": 89.0}]},
        [(("body", "customer"), "Field required")],
    ),
    (
        "an unknown field",
        order_body(coupon="FREE"),
        [(("body", "coupon"), "Extra inputs are not permitted")],
    ),
    (
        "a snake_case field",
        order_body(total_amount=89.0),
        [(("body", "total_amount"), "Extra inputs are not permitted")],
    ),
    (
        "an order id that cannot be a URL segment",
        order_body(orderId="a/b"),
        [
            (
                ("body", "orderId"),
                "String should match pattern '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'",
            )
        ],
    ),
    (
        "eligibility as a string",
        order_body(customer={"userId": "u-1", "isRefundEligible": "yes"}),
        [(("body", "customer", "isRefundEligible"), "Input should be a valid boolean")],
    ),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [pytest.param(body, expected, id=name) for name, body, expected in INVALID_BODIES],
)
def test_an_invalid_body_is_a_422_naming_each_field(
    client: TestClient, body: dict[str, Any], expected: list[tuple[tuple[str | int, ...], str]]
) -> None:
    response = client.post("/orders", json=body)
    assert problems(response) == expected
    assert client.get("/orders").json() == {"orders": []}


def test_domain_problems_use_fastapis_shape(client: TestClient) -> None:
    response = client.post("/orders", json=order_body(("NOPE", 1, 5.0)))
    assert response.json() == {
        "detail": [
            {"loc": ["body", "items", 0, "sku"], "msg": "unknown SKU 'NOPE'", "type": "value_error"}
        ]
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"customer": ', "The body is not valid JSON: Expecting value (at character 13)."),
        (b"[1, 2]", "Input should be a valid dictionary or object to extract fields from"),
        (b'"an order"', "Input should be a valid dictionary or object to extract fields from"),
        (b"", "Field required"),
        (b'{"items": NaN, "customer": {"userId": "u"}}', "Input should be a valid list"),
    ],
    ids=["malformed", "array", "string", "empty", "NaN"],
)
def test_a_body_that_is_not_an_order_object_is_a_422(
    client: TestClient, content: bytes, expected: str
) -> None:
    response = client.post("/orders", content=content, headers={"Content-Type": "application/json"})
    assert [message for _, message in problems(response)] == [expected]


def test_a_non_finite_price_is_refused(client: TestClient) -> None:
    content = (
        b'{"customer": {"userId": "u"}, '
        b'"items": [{"sku": "KB-001", "quantity": 1, "price": Infinity}]}'
    )
    response = client.post("/orders", content=content, headers={"Content-Type": "application/json"})
    assert problems(response) == [
        (("body", "items", 0, "price"), "Input should be a finite number")
    ]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_a_body_that_is_not_json_is_a_415(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/orders", content=b'{"customer": {}}', headers=headers)
    assert response.status_code == 415
    assert "send the body as JSON with Content-Type: application/json" in response.json()["detail"]


def test_a_json_subtype_is_json(client: TestClient) -> None:
    import json

    response = client.post(
        "/orders",
        content=json.dumps(order_body()).encode(),
        headers={"Content-Type": "application/vnd.orders+json; charset=utf-8"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("header", ["", "x" * 257, "has space"])
def test_a_malformed_correlation_id_is_a_422(client: TestClient, header: str) -> None:
    response = client.post("/orders", json=order_body(), headers={"X-Correlation-Id": header})
    assert [loc for loc, _ in problems(response)] == [("header", "X-Correlation-Id")]
