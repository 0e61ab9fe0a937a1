"""End to end: ``orderflow demo`` as a newcomer runs it, and ``orderflow up`` driven by
``orderflow publisher`` then stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.integration.system.running import free_port

DEMO_BUDGET_S = 30


def orderflow(
    *args: str, db: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    prefix = ["--db", str(db)] if db else []
    return subprocess.run(
        [sys.executable, "-m", "orderflow", *prefix, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


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


def _read_until(stream: IO[str], marker: str, limit: int = 200) -> list[str]:
    """Lines of ``stream`` up to the first one holding ``marker``."""
    lines: list[str] = []
    for line in stream:
        lines.append(line)
        if marker in line or len(lines) >= limit:
            break
    assert marker in lines[-1], "".join(lines)
    return lines


def test_up_serves_the_tutorial_publisher_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "o.db"
    port = free_port()
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orderflow",
            "--db",
            str(db),
            "up",
            "--port",
            str(port),
            "--sink-port",
            str(free_port()),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert up.stdout is not None
        lines = _read_until(up.stdout, "ready")
        published = orderflow(
            "publisher", "--url", f"http://127.0.0.1:{port}", "--pause", "1", db=db
        )
        assert published.returncode == 0, published.stdout + published.stderr
        out = published.stdout
        assert "created" in out and "updated" in out and "cancelled" in out
        assert "is CANCELLED" in out
        for consumer in ("inventory", "notification", "analytics", "order-processing"):
            assert consumer in out, consumer
        up.send_signal(signal.SIGINT)
        rest, _ = up.communicate(timeout=30)
        assert up.returncode == 0, rest
        assert "stopped" in rest
        assert "Traceback" not in "".join(lines) + rest
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    mail = json.loads(orderflow("mail", "--json", db=db).stdout)
    assert sorted(m["subject"].split()[-1] for m in mail) == ["cancelled", "received"]
