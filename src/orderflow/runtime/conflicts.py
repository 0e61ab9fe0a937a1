"""Running a state transaction again when the store gave it up for a concurrent one.

On a store shared by many hosts (PostgreSQL), two transactions may deadlock or fail to
serialise; the store then rolls one back and raises ``TransactionConflict``: nothing of
it was committed, so running it again is safe. ``again_on_conflict`` runs a
transaction's whole block again, after a short random pause, a few times before it
lets the conflict through.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Final, TypeVar

from orderflow.eventbus.errors import TransactionConflict

ATTEMPTS: Final = 8
FIRST_PAUSE_S: Final = 0.002
LONGEST_PAUSE_S: Final = 0.2

T = TypeVar("T")


def again_on_conflict(
    run: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep, attempts: int = ATTEMPTS
) -> T:
    """``run()``'s result, running it again (up to ``attempts`` times in all) when it
    raised ``TransactionConflict``; the last conflict is raised."""
    pause = FIRST_PAUSE_S
    for attempt in range(1, attempts + 1):
        try:
            return run()
        except TransactionConflict:
            if attempt == attempts:
                raise
            sleep(random.uniform(0, pause))
            pause = min(pause * 2, LONGEST_PAUSE_S)
    raise AssertionError("unreachable")  # pragma: no cover
