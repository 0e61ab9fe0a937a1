"""A user's application beside the built-in one, on a real SQLite system: its consumer
reacts to the built-ins' events exactly once, emits its own versioned contract, and a
poison event lands in its DLQ after its queue's maxReceiveCount."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from orderflow.adapters.memory.mailer import MemoryMailer
from orderflow.app import App, ConsumerDeclarationError, DuplicateConsumer, QueueSettings
from orderflow.bootstrap.apps import Apps, load_app, loaded_apps
from orderflow.bootstrap.system import System, install, open_system
from orderflow.events.envelope import parse_envelope
from orderflow.events.errors import ContractDeclarationError, UnknownEventVersion
from orderflow.events.schemas import export_schemas
from orderflow.runtime.trace import TracedEvent, build_trace
from tests.support.orders import place_order


def _run(system: System, rounds: int = 6) -> None:
    mailer = MemoryMailer()
    workers = [
        system.worker(name, mailer=mailer if name == "notification" else None, wait_time_s=0)
        for name in system.apps.consumers()
    ]
    for _ in range(rounds):
        for worker in workers:
            worker.run_once()


@pytest.fixture
def system(tmp_path: Path, shipping: ModuleType) -> Iterator[System]:
    opened = open_system(tmp_path / "shop.db", apps=loaded_apps(["shipping:app"]))
    try:
        install(opened)
        yield opened
    finally:
        opened.close()


def _journey(system: System, order_id: str) -> list[TracedEvent]:
    with system.state.reader() as state:
        order = state.get("orders.order", order_id)
        assert order is not None
        trace = build_trace(state, order["correlationId"])
    found: list[TracedEvent] = []

    def walk(events: list[TracedEvent]) -> None:
        for event in events:
            found.append(event)
            walk(event.children)

    walk(trace.roots)
    return found


def test_an_order_is_shipped_once_and_its_event_joins_the_trace(system: System) -> None:
    order_id = place_order(system, "ada", ("KB-001", 12, "89"))
    _run(system)
    with system.state.reader() as state:
        shipment = state.get("shipping.shipment", order_id)
    assert shipment is not None and shipment["parcels"] == 1
    journey = {event.detail_type: event for event in _journey(system, order_id)}
    shipped = journey["OrderShipped"]
    assert shipped.published_ms is not None  # out of the outbox, on the bus
    assert shipped.causation_id == journey["InventoryReserved"].event_id
    assert [a.consumer for a in journey["InventoryReserved"].attempts].count("shipping") == 1


def test_a_redelivered_event_ships_nothing_twice(system: System) -> None:
    order_id = place_order(system, "ada", ("KB-001", 1, "89"))
    _run(system)
    reserved = next(e for e in _journey(system, order_id) if e.detail_type == "InventoryReserved")
    with system.state.reader() as state:
        first = state.get("shipping.shipment", order_id)
    body = json.dumps(
        {
            "id": "redelivered",
            "source": "com.mycompany.inventory",
            "detail-type": "InventoryReserved",
            "detail": {
                "eventVersion": "1.0",
                "metadata": {
                    "eventId": reserved.event_id,
                    "correlationId": "c",
                    "createdAt": "2026-01-01T00:00:00Z",
                },
            },
        }
    )
    system.engine.sqs.send_message("shipping", body)
    _run(system, rounds=2)
    with system.state.reader() as state:
        assert state.get("shipping.shipment", order_id) == first
    assert system.engine.sqs.peek_messages("shipping", 10) == []  # acknowledged, no effect


def test_a_poison_event_lands_in_the_shipping_dlq(system: System) -> None:
    detail = {"eventVersion": "1.0", "order": {"orderId": "o-1"}}  # no customer, no metadata
    system.engine.events.put_events(
        [
            {
                "Source": "com.mycompany.inventory",
                "DetailType": "InventoryReserved",
                "Detail": json.dumps(detail),
                "EventBusName": "orders",
            }
        ]
    )
    worker = system.worker("shipping", wait_time_s=0, retry_base_s=0)
    for _ in range(QueueSettings().max_receive_count + 1):
        worker.run_once()
    (letter,) = system.engine.sqs.peek_messages("shipping-dlq", 10)
    assert parse_envelope(letter.body).detail_type == "InventoryReserved"


def test_the_app_contract_is_versioned_and_exported(shipping: ModuleType) -> None:
    apps = loaded_apps(["shipping:app"])
    schemas = export_schemas(apps.contracts)
    assert {"OrderShipped.v1.0", "OrderShipped.v2.0", "OrderCreated.v2.0"} <= schemas.keys()
    old = parse_envelope(
        json.dumps(
            {
                "id": "e",
                "source": "com.example.shipping",
                "detail-type": "OrderShipped",
                "detail": {
                    "eventVersion": "1.0",
                    "orderId": "o-1",
                    "carrier": "x",
                    "metadata": {"createdAt": "2026-01-01T00:00:00Z", "correlationId": "c"},
                },
            }
        )
    )
    upcast = apps.contracts.decode_latest(old, shipping.OrderShipped)
    assert upcast.parcels == 1
    future = parse_envelope(
        json.dumps(
            {
                "id": "f",
                "source": "com.example.shipping",
                "detail-type": "OrderShipped",
                "detail": {"eventVersion": "9.0"},
            }
        )
    )
    with pytest.raises(UnknownEventVersion, match=re.escape("known: 1.0, 2.0")):
        apps.contracts.decode(future)


def test_declarations_that_cannot_be_are_refused(shipping: ModuleType) -> None:
    with pytest.raises(ConsumerDeclarationError, match="letters, digits"):
        App("x").consumer("no spaces", pattern={"source": ["a"]})
    with pytest.raises(ConsumerDeclarationError, match="max_receive_count"):
        QueueSettings(max_receive_count=0)
    clash = App("other")
    clash.consumer("inventory", pattern={"source": ["a"]})
    with pytest.raises(DuplicateConsumer, match="inventory"):
        Apps((*loaded_apps().apps, clash))
    with pytest.raises(ContractDeclarationError, match="Two contracts"):
        again = App("again")
        again.contract(shipping.OrderShipped)
        loaded_apps(["shipping:app"]).contracts.with_contracts(again.contracts)
    with pytest.raises(Exception, match="has no attribute"):
        load_app("shipping:nope")
