"""Event contracts: decoding, upcasting, the tutorial's shape, and JSON Schema export."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from orderflow.events import (
    MalformedEvent,
    UnknownEventType,
    UnknownEventVersion,
    decode,
    decode_as,
    parse_envelope,
)
from orderflow.events.contracts import OrderCreatedV1, OrderCreatedV2
from orderflow.events.schemas import export_schemas

V2: dict[str, Any] = {
    "eventVersion": "2.0",
    "order": {
        "orderId": "o-1",
        "totalAmount": 120.5,
        "currency": "EUR",
        "items": [{"sku": "A-1", "quantity": 1, "price": 120.5}],
        "channel": "mobile",
    },
    "customer": {"userId": "u-1", "isRefundEligible": True},
    "payment": {"method": "card", "status": "AUTHORIZED"},
    "metadata": {"createdAt": "2026-11-30T09:00:00Z", "correlationId": "c-1", "eventId": "e-1"},
}


def envelope(
    detail: object, detail_type: str = "OrderCreated", source: str = "com.mycompany.orders"
) -> bytes:
    return orjson.dumps(
        {"id": "eb-1", "source": source, "detail-type": detail_type, "time": "t", "detail": detail}
    )


def test_version_2_decodes_as_itself() -> None:
    event = decode(parse_envelope(envelope(V2)))
    assert isinstance(event, OrderCreatedV2)
    assert event.order.channel == "mobile"
    assert event.to_detail() == V2


def test_a_version_1_reader_ignores_what_version_2_added() -> None:
    event = decode_as(parse_envelope(envelope(V2)), OrderCreatedV1)
    assert isinstance(event, OrderCreatedV1)
    assert "channel" not in event.to_detail()["order"]


def test_version_1_is_upcast_with_the_documented_defaults() -> None:
    v1 = {
        **V2,
        "eventVersion": "1.0",
        "order": {k: v for k, v in V2["order"].items() if k != "channel"},
        "customer": {"userId": "u-1"},
    }
    event = decode(parse_envelope(envelope(v1)))
    assert isinstance(event, OrderCreatedV2)
    assert event.order.channel == "unknown"
    assert event.customer.is_refund_eligible is False


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (b"not json", MalformedEvent, "not JSON"),
        (b"[1]", MalformedEvent, "not a JSON object"),
        (orjson.dumps({"id": "x"}), MalformedEvent, "lacks source, detail-type, detail"),
        (envelope({**V2, "eventVersion": "3.0"}), UnknownEventVersion, "'3.0'"),
        (
            envelope({k: v for k, v in V2.items() if k != "eventVersion"}),
            MalformedEvent,
            "no eventVersion",
        ),
        (envelope(V2, "OrderShipped"), UnknownEventType, "OrderShipped"),
        (
            envelope({**V2, "order": {**V2["order"], "items": []}}),
            MalformedEvent,
            "order.items",
        ),
        (
            envelope({**V2, "customer": {"userId": "u", "isRefundEligible": "yes"}}),
            MalformedEvent,
            "customer.isRefundEligible",
        ),
    ],
)
def test_unreadable_events_say_what_is_wrong(
    body: bytes, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        decode(parse_envelope(body))


def test_the_tutorial_shape_maps_onto_the_canonical_contract() -> None:
    legacy = {
        "orderId": "n-1",
        "status": "CREATED",
        "timestamp": "2026",
        "customerId": "c",
        "items": [{"productId": "P-1", "quantity": 2, "price": 5}],
        "total": 10,
    }
    event = decode(parse_envelope(envelope(legacy, source="com.example.orders")))
    assert isinstance(event, OrderCreatedV2)
    assert event.order.items[0].sku == "P-1"
    assert event.order.currency == "USD"
    assert event.metadata.correlation_id == "n-1"
    assert event.metadata.event_id == "eb-1"


def test_every_contract_exports_a_json_schema_with_json_names() -> None:
    schemas = export_schemas()
    assert {
        "OrderCreated.v1.0",
        "OrderCreated.v2.0",
        "OrderUpdated.v2.0",
        "OrderCancelled.v2.0",
        "InventoryReserved.v1.0",
        "InventoryOutOfStock.v1.0",
        "RefundIssued.v1.0",
        "RefundCompleted.v1.0",
        "NotificationSent.v1.0",
    } <= schemas.keys()
    created = schemas["OrderCreated.v2.0"]
    assert {"eventVersion", "order", "customer", "payment", "metadata"} <= set(
        created["properties"]
    )
    assert "isRefundEligible" in str(created)
