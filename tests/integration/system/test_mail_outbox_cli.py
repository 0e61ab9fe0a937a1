"""``orderflow mail outbox`` and ``mail retry`` over a real notification worker (its own
process) and a real SMTP relay (aiosmtpd on loopback): an email waits while the relay is
down, one the relay refuses for good is given up on with its error, and once mended an
operator sends it again."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from orderflow.bootstrap.system import install, open_system
from orderflow.entrypoints.system.ports import free_port
from orderflow.runtime.ports import MAX_FAILURES
from tests.integration.system.commands import orderflow
from tests.integration.system.running import wait_for
from tests.support.orders import place_order

REFUSED = "gone@customers.orderflow.test"


@dataclass
class Relay:
    """Refuses the addresses in ``refused`` for good (550), keeps what it accepts."""

    refused: set[str] = field(default_factory=lambda: {REFUSED})
    accepted: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _o: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        self.accepted.extend(envelope.rcpt_tos)
        return "250 OK"


def place(db: Path, *customers: str) -> None:
    system = open_system(db)
    try:
        install(system)
        for customer in customers:
            place_order(system, customer, ("KB-001", 1, "89"))
    finally:
        system.close()


@pytest.fixture
def notification(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A database with two orders placed, and the notification worker on it, sending to
    a port where no relay listens yet."""
    db = tmp_path / "o.db"
    place(db, "ada", "gone")
    port = free_port()
    worker = subprocess.Popen(
        [sys.executable, "-m", "orderflow", "--db", str(db), "worker", "notification",
         "--smtp", f"127.0.0.1:{port}", "--no-install"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield db, port
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def outbox(db: Path) -> list[dict[str, Any]]:
    listed = orderflow("mail", "outbox", "--json", db=db)
    assert listed.returncode == 0, listed.stderr
    rows: list[dict[str, Any]] = json.loads(listed.stdout)
    return rows


def test_an_operator_sees_why_mail_waits_and_sends_again_what_was_given_up(
    notification: tuple[Path, int],
) -> None:
    db, port = notification
    waiting = wait_for(
        "the worker to meet the missing relay",
        lambda: (rows := outbox(db)) and any(row["lastError"] for row in rows) and rows,
    )
    assert len(waiting) == 2
    assert all(row["refusals"] == 0 and not row["givenUp"] for row in waiting)
    assert any("Cannot send to the SMTP server" in (row["lastError"] or "") for row in waiting)

    relay = Relay()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        [given_up] = wait_for(
            "the refused email to be given up on",
            lambda: (rows := outbox(db)) and len(rows) == 1 and rows[0]["givenUp"] and rows,
        )
        assert relay.accepted == ["ada@customers.orderflow.test"]
        assert given_up["to"] == REFUSED
        assert given_up["refusals"] == MAX_FAILURES
        assert "550 5.1.1 no such user" in given_up["lastError"]
        table = orderflow("mail", "outbox", db=db).stdout
        assert "given up" in table and "no such user" in table

        relay.refused.clear()  # the mailbox exists again
        message_id = given_up["messageId"]
        retried = orderflow("mail", "retry", message_id.strip("<>"), db=db)
        assert retried.returncode == 0, retried.stderr
        assert "1 email will be sent again" in retried.stdout
        assert message_id in retried.stdout
        wait_for("the email to go out", lambda: outbox(db) == [] or None)
        assert relay.accepted == ["ada@customers.orderflow.test", REFUSED]
    finally:
        controller.stop()

    unknown = orderflow("mail", "retry", "<nope@orderflow.test>", db=db)
    assert unknown.returncode == 1
    assert "not in the mail outbox, or sent already: <nope@orderflow.test>" in unknown.stderr
    assert unknown.stdout == ""  # no plan of nothing before the error
    neither = orderflow("mail", "retry", db=db)
    assert neither.returncode == 2
    assert "name the Message-IDs to send again, or --all" in neither.stderr
    both = orderflow("mail", "retry", "x@y", "--all", db=db)
    assert both.returncode == 2
    assert "not both" in both.stderr
    assert "every email went out" in orderflow("mail", "outbox", db=db).stdout
