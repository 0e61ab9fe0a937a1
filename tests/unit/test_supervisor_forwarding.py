"""The supervisor forwards a part's output in batches of whole lines: a line split across
reads comes out whole, and an unfinished last line still comes out when the part ends."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from orderflow.entrypoints.system.supervisor import Supervisor


def test_lines_come_out_whole_in_batches_and_the_last_one_at_the_end() -> None:
    batches: list[tuple[str, list[str]]] = []
    supervisor = Supervisor(
        Path("unused.db"), [], lambda name, lines: batches.append((name, lines))
    )
    read_end, write_end = os.pipe()
    forwarding = threading.Thread(
        target=supervisor._forward, args=("inventory", os.fdopen(read_end, "rb"))
    )
    forwarding.start()
    os.write(write_end, b"first\nsec")
    time.sleep(0.2)
    os.write(write_end, "ond\nthird ✓\nunfinished".encode())
    os.close(write_end)
    forwarding.join(timeout=10)
    assert not forwarding.is_alive()
    assert [line for _, lines in batches for line in lines] == [
        "first",
        "second",
        "third ✓",
        "unfinished",
    ]
    assert {name for name, _ in batches} == {"inventory"}
    assert len(batches) < 4  # several lines to a batch
