"""The system's views from the command line, over a SQLite file the services worked on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from orderflow.adapters.memory.mailer import MemoryMailer
from orderflow.bootstrap.system import install, open_system
from orderflow.entrypoints.system.ports import free_port
from orderflow.eventbus.clock import to_iso
from orderflow.services.context import CommandContext
from orderflow.services.orders import commands
from orderflow.services.topology import SUBSCRIPTIONS


def orderflow(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderflow", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "COLUMNS": "250"},
    )


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A database on which an out-of-stock order ran its saga and a poison event went to
    inventory's DLQ; the out-of-stock order's id."""
    db = tmp_path_factory.mktemp("views") / "o.db"
    system = open_system(db)
    install(system)
    with system.relay.transaction() as state:
        now = system.clock.now_ms()
        order, _ = commands.place(
            CommandContext(state, now, to_iso(now), system.new_id),
            commands.PlaceOrder(
                "ada", "USD", "web", [("LT-006", 2, Decimal("1899"))], True, "card"
            ),
        )
    system.engine.events.put_events(
        [
            {
                "Source": "com.example.orders",
                "DetailType": "OrderCreated",
                "EventBusName": "orders",
                "Detail": orjson.dumps(
                    {
                        "orderId": "p-1",
                        "status": "CREATED",
                        "timestamp": "t",
                        "customerId": "c",
                        "items": [{"productId": "NOPE", "quantity": 1, "price": 1}],
                        "total": 1,
                    }
                ).decode(),
            }
        ]
    )
    workers = [
        system.worker(name, mailer=MemoryMailer(), wait_time_s=0, retry_base_s=0)
        for name in SUBSCRIPTIONS
    ]
    for _ in range(30):
        for worker in workers:
            worker.run_once()
    system.close()
    return db, order.order_id


def test_trace_shows_the_saga_as_a_tree(worked: tuple[Path, str]) -> None:
    db, order_id = worked
    done = orderflow(db, "trace", order_id)
    assert done.returncode == 0, done.stderr
    for words in (
        "OrderCreated",
        "InventoryOutOfStock",
        "RefundIssued",
        "RefundCompleted",
        "refund receive 1 PROCESSED",
    ):
        assert words in done.stdout
    tree = json.loads(orderflow(db, "trace", order_id, "--json").stdout)
    root = tree["events"][0]
    assert root["detailType"] == "OrderCreated"
    out_of_stock = next(e for e in root["caused"] if e["detailType"] == "InventoryOutOfStock")
    assert [e["detailType"] for e in out_of_stock["caused"]] == ["RefundIssued"]
    assert {d["consumer"] for d in root["deliveries"]} == {
        "order-processing",
        "inventory",
        "notification",
        "analytics",
    }


def test_trace_of_a_poison_event_shows_each_failure_and_the_dlq(worked: tuple[Path, str]) -> None:
    db, _ = worked
    tree = json.loads(orderflow(db, "trace", "p-1", "--json").stdout)
    created = tree["events"][0]
    inventory = [d for d in created["deliveries"] if d["consumer"] == "inventory"]
    assert [d["outcome"] for d in inventory] == ["FAILED"] * 3
    assert "Unknown SKU: NOPE" in inventory[-1]["error"]
    assert [d["deadLettered"] for d in inventory] == [False, False, True]  # maxReceiveCount 3
    assert created["deadLetteredBy"] == ["inventory"]
    shown = orderflow(db, "trace", "p-1").stdout
    assert "→ inventory-dlq (its last receive failed)" in shown
    assert "in inventory-dlq (orderflow dlq redrive inventory)" in shown


def test_trace_of_nothing_says_so(worked: tuple[Path, str]) -> None:
    done = orderflow(worked[0], "trace", "no-such-order")
    assert done.returncode == 1
    assert "No events found for no-such-order" in done.stderr


def test_dlq_show_prints_the_consumers_last_error(worked: tuple[Path, str]) -> None:
    db, _ = worked
    shown = json.loads(orderflow(db, "dlq", "show", "inventory", "--json").stdout)
    [message] = shown["Messages"]
    assert message["LastFailure"]["Consumer"] == "inventory"
    assert message["LastFailure"]["ReceiveCount"] == 3
    assert "Unknown SKU: NOPE" in message["LastFailure"]["Error"]
    table = orderflow(db, "dlq", "show", "inventory").stdout
    assert "inventory failed it (receive 3)" in table


def test_report_inventory_and_schemas(worked: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = worked
    report = json.loads(orderflow(db, "report", "--json").stdout)
    assert report["orders"] == 2
    assert report["outOfStock"] == 1
    assert report["refunded"] == {"USD": "3798.00"}
    stock = {
        row["sku"]: row["available"]
        for row in json.loads(orderflow(db, "inventory", "--json").stdout)
    }
    assert stock["LT-006"] == 1
    unpriced = orderflow(db, "inventory", "set", "NOPE", "5")
    assert unpriced.returncode == 2  # stock nobody could order
    assert "'NOPE' is not in the catalog yet: give its price too" in unpriced.stderr
    for price in ("12.345", "0", "-3", "lots", "2000000"):
        assert orderflow(db, "inventory", "set", "NOPE", "5", "--price", price).returncode == 2
    added = orderflow(db, "inventory", "set", "NOPE", "5", "--price", "12.5", "--name", "Nope")
    assert added.returncode == 0, added.stderr
    assert "NOPE: 5 available (added to the catalog)" in added.stdout
    assert orderflow(db, "inventory", "set", "NOPE", "7").returncode == 0  # known now
    stock = {row["sku"]: row for row in json.loads(orderflow(db, "inventory", "--json").stdout)}
    assert (stock["NOPE"]["available"], stock["NOPE"]["name"], stock["NOPE"]["price"]) == (
        7,
        "Nope",
        "12.50",
    )
    refused = orderflow(db, "inventory", "set", "NOPE", "-1")
    assert refused.returncode == 2
    out = tmp_path / "schemas"
    assert orderflow(db, "schemas", "export", "--out", str(out)).returncode == 0
    assert (out / "OrderCreated.v2.0.json").exists()


def test_a_worker_for_an_unknown_consumer_is_refused(tmp_path: Path) -> None:
    done = orderflow(tmp_path / "o.db", "worker", "shipping")
    assert done.returncode == 2
    assert "choose one of order-processing, inventory" in done.stderr


def test_the_publisher_checks_its_database_before_placing_an_order(tmp_path: Path) -> None:
    done = orderflow(
        tmp_path / "missing.db", "publisher", "--url", f"http://127.0.0.1:{free_port()}"
    )
    assert done.returncode == 2
    assert "there is no orderflow database" in done.stderr
    assert "created" not in done.stdout
