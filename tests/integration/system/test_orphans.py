"""``orderflow up`` killed at once (SIGKILL: it cannot stop its parts) leaves no part
running: each sees its supervisor gone and stops by itself."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from orderflow.entrypoints.system.orphans import WATCH_EVERY_S
from orderflow.entrypoints.system.ports import free_port
from tests.integration.system.commands import read_until, start_up


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux's /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited (init reaps it)


def test_the_parts_of_a_killed_up_stop_by_themselves(tmp_path: Path) -> None:
    up = start_up(tmp_path / "o.db", "--port", str(free_port()), "--sink-port", str(free_port()))
    parts: list[int] = []
    try:
        assert up.stdout is not None
        read_until(up.stdout, "ready")
        parts = children(up.pid)
        assert len(parts) >= 7  # the API, the mail sink and every consumer
        up.send_signal(signal.SIGKILL)
        up.wait()
        deadline = time.monotonic() + 15 + WATCH_EVERY_S
        while any(alive(pid) for pid in parts) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in parts if alive(pid)] == []
    finally:
        for pid in parts:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if up.poll() is None:
            up.kill()
            up.wait()
        assert up.stdout is not None
        up.stdout.close()
