"""End to end, as the README's walk-through runs it: ``orderflow up --app shipping:app
--replicas shipping=2`` beside the built-ins; orders placed through the HTTP API are each
shipped once although one shipping replica is SIGKILLed among them; OrderShipped is in
``orderflow trace`` and ``orderflow schemas export``; a poison event lands in the shipping
DLQ and ``orderflow dlq show shipping`` shows it."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.app.conftest import SHIPPING_DIR
from tests.integration.system.commands import orderflow, read_until, start_up
from tests.integration.system.running import free_port
from tests.integration.system.test_orphans import alive, children

ORDERS = 6
DEADLINE_S = 60


def _post(port: int, body: dict[str, Any]) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/orders",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["orderId"])


def _shipping_replicas(up_pid: int) -> list[int]:
    found = []
    for pid in children(up_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"worker" in command and b"shipping" in command:
            found.append(pid)
    return found


def _events(trace: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = list(trace.get("events", []))
    while stack:
        event = stack.pop()
        found.append(event)
        stack.extend(event["caused"])
    return found


def _shipped(db: Path, order_id: str) -> list[dict[str, Any]]:
    trace = json.loads(orderflow("trace", order_id, "--json", db=db).stdout or "{}")
    return [event for event in _events(trace) if event["detailType"] == "OrderShipped"]


def test_two_replicas_ship_each_order_once_through_a_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    port = free_port()
    path = os.pathsep.join(filter(None, [str(SHIPPING_DIR), os.environ.get("PYTHONPATH")]))
    environment = {"PYTHONPATH": path}
    up = start_up(
        db,
        "--app",
        "shipping:app",
        "--replicas",
        "shipping=2",
        "--port",
        str(port),
        "--sink-port",
        str(free_port()),
        env=environment,
    )
    log: list[str] = []
    reader: threading.Thread | None = None
    try:
        assert up.stdout is not None
        log += read_until(up.stdout, "ready")
        stream = up.stdout
        reader = threading.Thread(target=lambda: log.extend(stream), daemon=True)
        reader.start()
        replicas = _shipping_replicas(up.pid)
        assert len(replicas) == 2, log
        order_ids = []
        for number in range(ORDERS):
            order_ids.append(
                _post(
                    port,
                    {
                        "customer": {"userId": f"c{number}", "isRefundEligible": True},
                        "items": [{"sku": "KB-001", "quantity": 1, "price": 89.0}],
                    },
                )
            )
            if number == ORDERS // 2:
                os.kill(replicas[0], signal.SIGKILL)
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if all(_shipped(db, order_id) for order_id in order_ids):
                break
            time.sleep(0.5)
        for order_id in order_ids:
            shipped = _shipped(db, order_id)
            assert len(shipped) == 1, (order_id, shipped)  # once, whatever the kill did
            assert shipped[0]["source"] == "com.example.shipping"
        assert not alive(replicas[0])
        assert len(_shipping_replicas(up.pid)) == 2, log  # the killed one was restarted

        schemas = json.loads(
            _run_with_path(db, environment, "schemas", "export", "--app", "shipping:app")
        )
        assert {"OrderShipped.v1.0", "OrderShipped.v2.0"} <= schemas.keys()

        poison = {"eventVersion": "1.0", "order": {"orderId": "poison-1"}}
        put = orderflow(
            "events",
            "put-events",
            "--entries",
            json.dumps(
                [
                    {
                        "Source": "com.mycompany.inventory",
                        "DetailType": "InventoryReserved",
                        "Detail": json.dumps(poison),
                        "EventBusName": "orders",
                    }
                ]
            ),
            db=db,
        )
        assert put.returncode == 0, put.stderr
        deadline = time.monotonic() + DEADLINE_S
        shown: dict[str, Any] = {}
        while time.monotonic() < deadline:
            shown = json.loads(orderflow("dlq", "show", "shipping", "--json", db=db).stdout)
            if shown.get("Messages"):
                break
            time.sleep(0.5)
        [letter] = shown["Messages"]
        assert letter["LastFailure"]["Consumer"] == "shipping"
        assert letter["LastFailure"]["ReceiveCount"] == 3
        table = orderflow("dlq", "show", "shipping", db=db).stdout
        assert "shipping failed it (receive 3)" in table
        up.send_signal(signal.SIGINT)
        up.wait(timeout=30)
        assert up.returncode == 0, "".join(log)
        stopped = [line.split()[1] for line in log if line.rstrip().endswith(" stopped")]
        assert stopped.count("shipping") == 2, "".join(log)  # each replica drained
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
        if reader is not None:
            reader.join(timeout=10)
        if up.stdout is not None:
            up.stdout.close()


def _run_with_path(db: Path, environment: dict[str, str], *args: str) -> str:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "orderflow", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **environment},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
