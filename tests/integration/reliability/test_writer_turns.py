"""Writers' turns across processes: a turn excludes every other process, and the kernel
gives it back when its holder is killed (SIGKILL) in the middle of it."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

from orderflow.adapters.sqlite.turns import WriterTurns, lock_path
from tests.integration.reliability.workers import subprocess_env

HOLD = """
import sys, time
from pathlib import Path
from orderflow.adapters.sqlite.turns import WriterTurns
with WriterTurns(Path(sys.argv[1])).turn():
    print("HOLDING", flush=True)
    time.sleep(600)
"""


def someone_holds_it(db: Path) -> bool:
    descriptor = os.open(lock_path(db), os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


def test_a_turn_held_by_a_killed_process_is_given_back(tmp_path: Path) -> None:
    db = tmp_path / "turns.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "HOLDING"
        assert someone_holds_it(db)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        assert not someone_holds_it(db)
        turns = WriterTurns(db)
        with turns.turn():  # and it can be taken again
            assert someone_holds_it(db)
        turns.close()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_store_that_takes_no_turns_leaves_no_lock_file(tmp_path: Path) -> None:
    turns = WriterTurns(tmp_path / "plain.db", enabled=False)
    with turns.turn():
        pass
    turns.close()
    assert not lock_path(tmp_path / "plain.db").exists()
