"""Queue signals across processes: a message sent by one process moves the signal of its
queue (and only what shares its slot) for every other process on the database, and a
long poll in one process returns a message another process sends meanwhile."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from orderflow.bootstrap import open_engine
from tests.integration.reliability.workers import subprocess_env

SEND = """
import sys
from orderflow.bootstrap import open_engine
engine = open_engine(sys.argv[1])
url = engine.sqs.get_queue_url(sys.argv[2])
engine.sqs.send_message(url, "from another process")
engine.store.close()
"""


def send_from_another_process(db: Path, queue: str) -> None:
    subprocess.run(
        [sys.executable, "-c", SEND, str(db), queue],
        env=subprocess_env(),
        check=True,
        timeout=60,
    )


def test_a_send_in_another_process_moves_the_queue_signal_here(tmp_path: Path) -> None:
    db = tmp_path / "signals.db"
    engine = open_engine(db)
    try:
        engine.sqs.create_queue("orders")
        engine.sqs.create_queue("audit")
        orders, audit = engine.store.queue_signal("orders"), engine.store.queue_signal("audit")
        send_from_another_process(db, "orders")
        assert engine.store.queue_signal("orders") != orders
        assert engine.store.queue_signal("audit") == audit  # its slot was not rung
    finally:
        engine.store.close()


def test_a_long_poll_returns_what_another_process_sent_while_it_waited(tmp_path: Path) -> None:
    db = tmp_path / "signals.db"
    engine = open_engine(db)
    try:
        url = engine.sqs.create_queue("orders")
        sender = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(1.5); " + SEND, str(db), "orders"],
            env=subprocess_env(),
        )
        try:
            started = time.monotonic()
            received = engine.sqs.receive_message(url, wait_time_seconds=20)
            waited = time.monotonic() - started
        finally:
            sender.wait(timeout=60)
        assert [m.body for m in received] == ["from another process"]
        assert waited < 15
    finally:
        engine.store.close()
