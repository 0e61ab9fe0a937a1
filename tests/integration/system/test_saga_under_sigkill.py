"""The refund saga across real worker processes on one SQLite file, with real email, while
workers are SIGKILLed in the middle of it: every saga completes, with exactly one refund
and exactly one refund email per order."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

from tests.integration.system.running import running_system, wait_for

ORDERS = 12


def test_the_refund_saga_completes_once_when_workers_are_killed_mid_flight(
    tmp_path: Path,
) -> None:
    with running_system(tmp_path) as it:
        order_ids = [it.place(("LT-006", 2, "1899.00"), eligible=True) for _ in range(ORDERS)]
        # Kill the refund and notification workers while the saga is in flight, twice;
        # the supervisor restarts them, and what they held comes back after the
        # visibility timeout.
        for _ in range(2):
            wait_for("the first refunds", lambda: len(it.scan("refunds.refund")) > 0, 15)
            for name in ("refund", "notification", "order-processing"):
                pid = it.supervisor.pid(name)
                assert pid is not None
                os.kill(pid, signal.SIGKILL)
                wait_for(f"{name} to be restarted", lambda n=name, p=pid: it.supervisor.pid(n) != p)
            time.sleep(0.3)
        wait_for(
            "every order to be REFUNDED",
            lambda: all(
                o["status"] == "REFUNDED" for o in it.orders() if o["orderId"] in order_ids
            ),
            60,
        )
        refunds = it.scan("refunds.refund")
        assert Counter(r["orderId"] for r in refunds) == Counter(order_ids)
        assert all(r["status"] == "COMPLETED" for r in refunds)
        mailbox = it.system.mailbox
        assert mailbox is not None
        wait_for(
            "every refund email",
            lambda: sum(m["subject"].startswith("Refund") for m in mailbox.messages()) >= ORDERS,
            30,
        )
        mails = mailbox.messages()
        refund_mails = Counter(
            m["subject"].removeprefix("Refund for order ")
            for m in mails
            if m["subject"].startswith("Refund")
        )
        assert refund_mails == Counter(order_ids), refund_mails
        restarts = {part.name: part.restarts for part in it.supervisor.parts}
        assert restarts["refund"] >= 2 and restarts["notification"] >= 2, restarts
        # Nothing is left behind: no message in a queue or a DLQ, no unpublished event.
        with it.system.state.reader() as state:
            assert state.pending_events(10) == []
            assert state.pending_mail(10) == []
