"""End to end: ``orderflow demo`` as a newcomer runs it, and ``orderflow up`` driven by
``orderflow publisher`` then stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from orderflow.services.topology import SUBSCRIPTIONS
from tests.aws_api.test_node_sdk import NODE_PROJECT, node_executable
from tests.integration.system.commands import orderflow, read_until, start_up
from tests.integration.system.running import free_port

DEMO_BUDGET_S = 30


def test_the_demo_runs_every_scenario_and_ends_with_empty_dlqs(tmp_path: Path) -> None:
    done = orderflow("demo", "--keep", str(tmp_path), timeout=DEMO_BUDGET_S + 30)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for words in (
        "inventory failed it 3 times: UnknownSku",
        "re-driven and processed: the order is CONFIRMED",
        "OrderCreated processed by: analytics, inventory, notification, order-processing",
        "InventoryOutOfStock → RefundIssued → RefundCompleted: order REFUNDED",
        "Emails received by the SMTP sink (7)",
        "demo complete",
        "RefundCompleted",
    ):
        assert words in out, words
    seconds = float(out.rsplit("demo complete in ", 1)[1].split(" s")[0])
    assert seconds < DEMO_BUDGET_S
    # What the demo left in its database agrees with what it printed.
    report = json.loads(orderflow("report", "--json", db=tmp_path / "demo.db").stdout)
    assert report["orders"] == 5
    assert report["refunds"] == 1
    assert report["cancelled"] == 1
    # The poison order's trip through inventory's DLQ stays in its trace after the redrive.
    trace = json.loads(
        orderflow("trace", "legacy-poison-1", "--json", db=tmp_path / "demo.db").stdout
    )
    created = trace["events"][0]
    inventory = [d for d in created["deliveries"] if d["consumer"] == "inventory"]
    assert [(d["outcome"], d["deadLettered"]) for d in inventory] == [
        ("FAILED", False),
        ("FAILED", False),
        ("FAILED", True),
        ("PROCESSED", False),
    ]
    assert created["deadLetteredBy"] == []  # re-driven: no longer there


def _tutorial_publisher_drives_the_system(db: Path, port: int) -> None:
    """The Node.js tutorial publisher (AWS SDK for JavaScript v3), pointed at ``up``'s port,
    puts its flat events on the default bus; the system follows the order to CANCELLED."""
    node = node_executable()
    done = subprocess.run(
        [node, "tutorial_publisher.mjs"],
        cwd=NODE_PROJECT,
        env={
            **os.environ,
            "ORDERFLOW_ENDPOINT": f"http://127.0.0.1:{port}",
            "ORDER_ID": "node-tutorial-1",
            "PAUSE_MS": "500",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["eventIds"]) == 3
    deadline = time.monotonic() + 20
    trace: dict[str, Any] = {}
    while time.monotonic() < deadline:
        trace = json.loads(orderflow("trace", "node-tutorial-1", "--json", db=db).stdout or "{}")
        consumers = {
            (event["detailType"], delivery["consumer"])
            for event in _events(trace)
            for delivery in event["deliveries"]
            if delivery["outcome"] == "PROCESSED"
        }
        if {("OrderCancelled", "inventory"), ("OrderCancelled", "order-processing")} <= consumers:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the tutorial's order did not reach its end: {trace}")
    order = json.loads(orderflow("trace", "node-tutorial-1", "--json", db=db).stdout)
    assert order["correlationId"] == "node-tutorial-1"


def _events(trace: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = list(trace.get("events", []))
    while stack:
        event = stack.pop()
        found.append(event)
        stack.extend(event["caused"])
    return found


def test_up_serves_the_tutorial_publisher_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "o.db"
    port = free_port()
    up = start_up(db, "--port", str(port), "--sink-port", str(free_port()))
    try:
        assert up.stdout is not None
        lines = read_until(up.stdout, "ready")
        published = orderflow("publisher", "--pause", "1", db=db)  # finds up's --port
        assert published.returncode == 0, published.stdout + published.stderr
        out = published.stdout
        assert "created" in out and "updated" in out and "cancelled" in out
        assert "is CANCELLED" in out
        for consumer in ("inventory", "notification", "analytics", "order-processing"):
            assert consumer in out, consumer
        _tutorial_publisher_drives_the_system(db, port)
        up.send_signal(signal.SIGINT)
        rest, _ = up.communicate(timeout=30)
        assert up.returncode == 0, rest
        stopped = {line.split()[1] for line in rest.splitlines() if line.endswith(" stopped")}
        assert {"api", "mail-sink", *SUBSCRIPTIONS} <= stopped, rest  # each part closed
        assert "Traceback" not in "".join(lines) + rest
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    mail = json.loads(orderflow("mail", "--json", db=db).stdout)
    # The publisher's order and the Node.js tutorial's: each received, then cancelled.
    assert sorted(m["subject"].split()[-1] for m in mail) == [
        "cancelled",
        "cancelled",
        "received",
        "received",
    ]
    assert sum(m["to"] == ["customer-123@customers.orderflow.test"] for m in mail) == 2
