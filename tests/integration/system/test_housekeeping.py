"""Housekeeping as ``orderflow up`` runs it: the history pruned on a real SQLite file, at
start and at each pass, on its own thread, stopping promptly; failures said, not raised."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from orderflow.bootstrap.system import open_system
from orderflow.entrypoints.system.housekeeping import Housekeeping
from tests.integration.system.commands import orderflow
from tests.integration.system.running import wait_for
from tests.support.orders import place_and_handle


class Said:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, name: str, lines: list[str]) -> None:
        with self._lock:
            self.lines.extend(f"{name}: {line}" for line in lines)


def history(db: Path) -> int:
    system = open_system(db)
    try:
        with system.state.reader() as state:
            far = system.clock.now_ms() + 1
            return sum(state.count_older(r, far) for r in ("attempts", "events", "emails"))
    finally:
        system.close()


def test_housekeeping_prunes_at_start_and_at_each_pass(tmp_path: Path) -> None:
    db = tmp_path / "o.db"
    place_and_handle(db)
    assert history(db) > 0
    said = Said()
    keeper = Housekeeping(db, 0, said, interval_s=0.2)
    keeper.start()
    try:
        wait_for("the first pass", lambda: said.lines or None, timeout_s=10)
        assert said.lines[0].startswith("housekeeping: pruned the history older than")
        assert history(db) == 0
        place_and_handle(db)  # more history while it runs: the next pass takes it
        wait_for("a later pass", lambda: history(db) == 0 or None, timeout_s=10)
    finally:
        started = time.monotonic()
        keeper.stop()
        assert time.monotonic() - started < 2


def test_a_pass_that_fails_is_said_and_the_next_one_is_tried(tmp_path: Path) -> None:
    said = Said()
    keeper = Housekeeping(tmp_path, 0, said, interval_s=0.2)  # a folder, not a database
    keeper.start()
    try:
        wait_for("two failed passes", lambda: len(said.lines) >= 2 or None, timeout_s=10)
    finally:
        keeper.stop()
    assert all("prune failed (tried again at the next pass)" in line for line in said.lines)


def test_up_refuses_a_retention_it_cannot_read(tmp_path: Path) -> None:
    done = orderflow("up", "--retention", "forever", db=tmp_path / "o.db", timeout=30)
    assert done.returncode == 2
    assert "'forever' is not an age" in " ".join(done.stderr.split())
