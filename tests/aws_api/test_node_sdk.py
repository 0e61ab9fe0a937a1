"""The AWS SDK for JavaScript v3 (@aws-sdk/client-eventbridge and client-sqs, pinned in
tests/aws_api/node/package-lock.json) running a Node.js order service against the endpoint.

Skipped only where ``node`` is absent; CI sets ORDERFLOW_REQUIRE_NODE=1, which turns
that skip into a failure. ``make test`` installs the packages (``npm ci``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from orderflow.entrypoints.aws_api import RunningServer
from tests.support.tools import required_tool

NODE_PROJECT = Path(__file__).parent / "node"
REQUIRE_NODE = "ORDERFLOW_REQUIRE_NODE"


def node_executable() -> str:
    node = required_tool(
        "node",
        needed_by="the AWS SDK for JavaScript test",
        install="Debian: apt-get install nodejs npm",
        variable=REQUIRE_NODE,
    )
    if not (NODE_PROJECT / "node_modules" / "@aws-sdk" / "client-sqs").is_dir():
        pytest.fail(
            f"the npm packages are not installed: run `make test` (npm ci in {NODE_PROJECT})"
        )
    return node


def test_a_node_order_service_publishes_routes_and_consumes(server: RunningServer) -> None:
    node = node_executable()
    done = subprocess.run(
        [node, "order_service.mjs"],
        cwd=NODE_PROJECT,
        env={**os.environ, "ORDERFLOW_ENDPOINT": server.url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert len(summary["eventIds"]) == 4
    consumed = summary["consumed"]
    assert sorted(item["orderId"] for item in consumed["OrderCreated"]) == ["o-1", "o-2"]
    assert [item["orderId"] for item in consumed["OrderUpdated"]] == ["o-1"]
    assert [item["orderId"] for item in consumed["OrderCancelled"]] == ["o-2"]
    assert all(item["total"] == 39 for items in consumed.values() for item in items)
