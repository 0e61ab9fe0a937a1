"""``orderflow publisher`` without ``--url`` drives the API where ``orderflow api`` (which
``up`` runs) last started on the same database, on whatever port it was given."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from orderflow.entrypoints.system.ports import free_port
from tests.integration.system.commands import orderflow
from tests.integration.system.running import wait_for


def _answers(url: str) -> bool | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200 or None
    except OSError:
        return None


def test_the_publisher_finds_the_api_on_the_port_it_was_started_on(tmp_path: Path) -> None:
    db, port = tmp_path / "o.db", free_port()
    api = subprocess.Popen(
        [sys.executable, "-m", "orderflow", "--db", str(db), "api", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        wait_for("the API", lambda: _answers(f"http://127.0.0.1:{port}/health"))
        published = orderflow("publisher", "--pause", "0", db=db)
        assert published.returncode == 0, published.stdout + published.stderr
        assert "created" in published.stdout
        assert "is CANCELLED" in published.stdout
    finally:
        api.send_signal(signal.SIGTERM)
        api.wait(timeout=30)
