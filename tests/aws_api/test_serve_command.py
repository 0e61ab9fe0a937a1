"""``orderflow serve`` as a user starts it: a process listening on the port it is given."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3

from orderflow.entrypoints.system.ports import free_port


def wait_for(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"orderflow serve did not listen on {port}")


def test_serve_answers_sdks_and_stops_on_sigint(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "orderflow", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--db", str(tmp_path / "o.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(port, process)
        sqs = boto3.client(
            "sqs",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        assert url == f"http://127.0.0.1:{port}/000000000000/orders"
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=20)
    assert process.returncode in (0, 130), errors  # uvicorn re-raises the SIGINT it handled
    assert "Traceback" not in errors
    assert f"http://127.0.0.1:{port}" in errors


def test_require_credentials_needs_a_key(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orderflow", "serve", "--require-credentials"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "--require-credentials needs at least one key" in done.stderr
