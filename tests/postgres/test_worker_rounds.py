"""A worker on PostgreSQL receives at once and, when it found nothing, waits for the
queue's signal: a message made visible by a clock a little ahead of the worker's (each
process reckons the database's time on its own) is still received within a fraction of
a second, not at the worker's next look a second later."""

from __future__ import annotations

import threading
import time

import pytest

from orderflow.bootstrap.system import install, open_system
from orderflow.eventbus.clock import SystemClock
from orderflow.services.topology import SUBSCRIPTIONS

pytestmark = pytest.mark.postgres

AHEAD_MS = 40


class AheadClock:
    """The real time, ``AHEAD_MS`` later: another process's reckoning of the server's."""

    def __init__(self) -> None:
        self._real = SystemClock()

    def now_ms(self) -> int:
        return self._real.now_ms() + AHEAD_MS


def test_a_message_visible_a_few_ms_after_its_signal_is_received_soon(postgres_url: str) -> None:
    here = open_system(postgres_url, clock=SystemClock())
    there = open_system(postgres_url, clock=AheadClock())  # the sender, its clock ahead
    try:
        install(here)
        worker = here.worker("analytics", wait_time_s=5)
        queue = SUBSCRIPTIONS["analytics"].queue
        worker.run_once()  # nothing yet: the next round waits for the queue's signal
        received_at: list[float] = []

        def rounds() -> None:
            deadline = time.monotonic() + 5
            while not received_at and time.monotonic() < deadline:
                if worker.run_once().attempts:
                    received_at.append(time.monotonic())

        receiving = threading.Thread(target=rounds)
        receiving.start()
        time.sleep(0.2)  # the worker waits on the signal
        there.engine.sqs.send_message(queue, "not an event")  # visible at the sender's now
        sent_at = time.monotonic()
        receiving.join()
        assert received_at, "never received"
        assert received_at[0] - sent_at < 0.5  # its next look was a second away
    finally:
        there.close()
        here.close()
