"""A full disk is reported as such, and leaves the database consistent.

Two real ways to run out of space, each giving SQLite's SQLITE_FULL:

- a 16 MiB tmpfs mounted for the test (``mount -t tmpfs -o size=16m``; needs root, else
  skipped with the reason), filled up once the database is in place: the AWS endpoint
  (served on loopback), the CLI (a subprocess) and the order API (uvicorn on loopback)
  each answer with "database or disk is full" (503 on HTTP), and afterwards the file
  opens, passes ``PRAGMA integrity_check`` and holds exactly the calls answered 200;
- SQLite's ``PRAGMA max_page_count`` on the store's connection (no root needed): the
  database itself is full, with the same error and the same consistency.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from orderflow.adapters.sqlite import SqliteStore
from orderflow.bootstrap import open_engine
from orderflow.bootstrap.system import install, open_system
from orderflow.entrypoints.api import build_api, close_api
from orderflow.entrypoints.aws_api import serve_in_thread
from orderflow.entrypoints.system.ports import free_port
from orderflow.eventbus.errors import DiskFull
from tests.api.support import order_body
from tests.integration.reliability.workers import subprocess_env

FULL_WORDING = "database or disk is full"
BODY = "x" * 60_000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> None:
    """Fill what is left of the disk, bar a few KiB."""
    descriptor = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            for size in (65_536, 4_096, 512):
                while os.write(descriptor, b"\0" * size) == size:
                    pass
    finally:
        os.close(descriptor)
    stats = os.statvfs(disk)
    assert stats.f_bavail * stats.f_frsize < 64_000


def consistent(db: Path) -> int:
    """The database passes integrity_check; the number of messages it holds."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return int(connection.execute("SELECT COUNT(*) FROM messages").fetchone()[0])


def send(port: int, queue_url: str) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"QueueUrl": queue_url, "MessageBody": BODY})
    headers = {
        "X-Amz-Target": "AmazonSQS.SendMessage",
        "Content-Type": "application/x-amz-json-1.0",
    }
    connection.request("POST", "/", body, headers)
    response = connection.getresponse()
    answer = response.status, json.loads(response.read())
    connection.close()
    return answer


def test_a_full_disk_is_reported_by_the_endpoint_and_the_cli(small_disk: Path) -> None:
    db = small_disk / "orderflow.db"
    engine = open_engine(db)
    url = engine.sqs.create_queue("q")
    try:
        with serve_in_thread(engine) as server:
            port = int(server.url.rsplit(":", 1)[1])
            fill(small_disk)
            accepted = 0
            for _ in range(40):
                status, answer = send(port, url)
                if status != 200:
                    break
                accepted += 1
            assert status == 503, answer
            assert answer["__type"].endswith("ServiceUnavailable"), answer
            assert FULL_WORDING in answer["message"], answer
            cli = subprocess.run(
                [
                    *(sys.executable, "-m", "orderflow", "--db", str(db), "sqs", "send-message"),
                    *("--queue-url", url, "--message-body", BODY),
                ],
                env=subprocess_env(),
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
            assert cli.returncode != 0, cli
            assert FULL_WORDING in cli.stderr, cli.stderr
            assert "cannot rollback" not in cli.stderr + answer["message"]
    finally:
        engine.store.close()
    (small_disk / "filler").unlink()
    assert consistent(db) == accepted


def test_a_full_disk_is_reported_by_the_order_api(small_disk: Path) -> None:
    db = small_disk / "orderflow.db"
    system = open_system(db)
    install(system)
    app = build_api(system)
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    try:
        fill(small_disk)
        with httpx.Client(base_url=f"http://127.0.0.1:{config.port}", timeout=10) as client:
            for _ in range(200):
                response = client.post("/orders", json=order_body())
                if response.status_code != 201:
                    break
        assert response.status_code == 503, response.text
        assert FULL_WORDING in response.json()["detail"], response.text
    finally:
        server.should_exit = True
        thread.join(10)
        close_api(app)
        system.close()
    (small_disk / "filler").unlink()
    consistent(db)


def test_a_database_at_its_page_limit_is_full_and_stays_consistent(tmp_path: Path) -> None:
    """SQLite's own limit (``PRAGMA max_page_count``): a real SQLITE_FULL, no root needed."""
    db = tmp_path / "orderflow.db"
    engine = open_engine(db)
    url = engine.sqs.create_queue("q")
    store = engine.store
    assert isinstance(store, SqliteStore)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 40}")
    accepted = 0
    with pytest.raises(DiskFull, match=FULL_WORDING):
        for _ in range(40):
            engine.sqs.send_message(url, BODY)
            accepted += 1
    engine.sqs.send_message(url, "small")  # what fits still goes in
    store.close()
    assert consistent(db) == accepted + 1
