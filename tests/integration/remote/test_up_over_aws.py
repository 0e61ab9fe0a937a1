"""``orderflow up --aws --endpoint-url`` against a separately started ``orderflow serve``,
as the README shows it: an out-of-stock order runs the refund saga to REFUNDED, with its
emails, every event carried by the endpoint's SQS and EventBridge; Ctrl-C drains."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.integration.reliability.workers import opened as opened_engine
from tests.integration.system.commands import orderflow, read_until, start_up
from tests.integration.system.running import free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def _post(port: int, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/orders",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def _order(port: int, order_id: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/orders/{order_id}", timeout=10) as r:
        answer: dict[str, Any] = json.load(r)
    return answer


def test_up_over_the_aws_apis_of_a_separate_serve_runs_the_refund_saga(tmp_path: Path) -> None:
    endpoint_port, api_port, sink_port = free_port(), free_port(), free_port()
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orderflow",
            "--db",
            str(tmp_path / "endpoint.db"),
            "serve",
            "--port",
            str(endpoint_port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    up = None
    try:
        endpoint = f"http://127.0.0.1:{endpoint_port}"
        up = start_up(
            tmp_path / "state.db",
            "--aws",
            "--endpoint-url",
            endpoint,
            "--port",
            str(api_port),
            "--sink-port",
            str(sink_port),
            env=CREDENTIALS,
        )
        assert up.stdout is not None
        head = read_until(up.stdout, "ready")
        assert f"events through {endpoint}" in "".join(head)
        placed = _post(
            api_port,
            {
                "customer": {"userId": "ada", "isRefundEligible": True},
                "items": [{"sku": "LT-006", "quantity": 2, "price": 1899.0}],
            },
        )
        order_id = placed["orderId"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _order(api_port, order_id)["status"] != "REFUNDED":
            time.sleep(0.2)
        assert _order(api_port, order_id)["status"] == "REFUNDED"
        mail = json.loads(orderflow("mail", "--json", db=tmp_path / "state.db").stdout)
        deadline = time.monotonic() + 10
        while len(mail) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            mail = json.loads(orderflow("mail", "--json", db=tmp_path / "state.db").stdout)
        assert sorted(m["subject"].split()[0] for m in mail) == ["Order", "Refund"], mail
        # The endpoint's own queues carried the events (none of them in the state's
        # database), and hold none now.
        with opened_engine(tmp_path / "endpoint.db") as endpoint_engine:
            depths = {
                name: endpoint_engine.sqs.get_queue_attributes(name)
                for name in ("inventory", "refund", "notification", "refund-dlq")
            }
        assert all(
            a["ApproximateNumberOfMessages"] == a["ApproximateNumberOfMessagesNotVisible"] == "0"
            for a in depths.values()
        ), depths
        with opened_engine(tmp_path / "state.db") as state_engine:
            assert state_engine.sqs.list_queues() == []
        up.send_signal(signal.SIGINT)
        rest, _ = up.communicate(timeout=30)
        assert up.returncode == 0, rest
        assert "stopped" in rest.splitlines()[-1]
    finally:
        if up is not None and up.poll() is None:
            up.kill()
            up.wait()
        serve.terminate()
        serve.wait(timeout=10)
