"""``orderflow up`` sending through a real SMTP relay that asks for STARTTLS and a login
(aiosmtpd on loopback with a private CA's certificate): the password from the
environment, the CA from ``--smtp-ca-file``, the sender from ``--mail-from``; and what
the command refuses before it starts anything."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from email import message_from_bytes
from pathlib import Path

import pytest
import trustme

from orderflow.entrypoints.system.ports import free_port
from tests.integration.system.commands import orderflow, read_until, start_up
from tests.integration.test_smtp_tls import PASSWORD, USER, relay, server_context


def test_up_sends_the_emails_through_a_relay_with_starttls_and_a_login(tmp_path: Path) -> None:
    authority = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    port = free_port()
    with relay(tls_context=server_context(authority), require_starttls=True) as (inbox, smtp):
        up = start_up(
            tmp_path / "o.db",
            "--port", str(port),
            "--smtp", f"smtp+starttls://{USER}@127.0.0.1:{smtp}",
            "--smtp-ca-file", str(ca_file),
            "--mail-from", "shop@example.com",
            env={"ORDERFLOW_SMTP_PASSWORD": PASSWORD},
        )  # fmt: skip
        try:
            assert up.stdout is not None
            ready = "".join(read_until(up.stdout, "ready"))
            assert f"SMTP smtp+starttls://{USER}@127.0.0.1:{smtp}" in ready
            assert (
                f"mail: through the relay smtp+starttls://{USER}@127.0.0.1:{smtp}; no embedded "
                "SMTP sink runs (--smtp replaces it)\n"
            ) in ready
            assert "mail-sink" not in ready
            assert PASSWORD not in ready
            _place_an_order(port)
            deadline = time.monotonic() + 20
            while not inbox.received and time.monotonic() < deadline:
                time.sleep(0.05)
            up.send_signal(signal.SIGINT)
            rest, _ = up.communicate(timeout=30)
            assert up.returncode == 0, rest
        finally:
            if up.poll() is None:
                up.kill()
                up.wait()
    [(user, envelope)] = inbox.received
    assert user == USER
    assert envelope.mail_from == "shop@example.com"
    assert envelope.rcpt_tos == ["u-relay@customers.orderflow.test"]
    assert isinstance(envelope.content, bytes)
    email = message_from_bytes(envelope.content)
    assert email["From"] == "shop@example.com"
    assert email["Subject"].endswith("received")


def _place_an_order(port: int) -> None:
    order = {
        "customer": {"userId": "u-relay", "isRefundEligible": True},
        "currency": "USD",
        "items": [{"sku": "KB-001", "quantity": 1, "price": 89.0}],
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/orders",
        data=json.dumps(order).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--smtp", "smtps://shop@mail.example.com"], "set ORDERFLOW_SMTP_PASSWORD"),
        (["--smtp", "smtps://shop:pw@mail.example.com"], "not in the URL"),
        (["--smtp", "mail.example.com"], "neither HOST:PORT nor an smtp:// URL"),
        (["--mail-from", "shop at example.com"], "not an email address SMTP can carry"),
        (["--smtp-ca-file", "/nonexistent/ca.pem"], "does not exist"),
        (["--smtp-ca-file", __file__], "is for a real SMTP server: name it with --smtp"),
        (["--smtp", "relay:25", "--smtp-ca-file", __file__], "A CA file is for a TLS"),
    ],
)
def test_up_refuses_mail_settings_it_cannot_use_before_starting_anything(
    tmp_path: Path, args: list[str], words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORDERFLOW_SMTP_PASSWORD", raising=False)
    db = tmp_path / "o.db"
    done = orderflow("up", "--port", str(free_port()), *args, db=db, timeout=30)
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in " ".join(done.stderr.split()), done.stderr
    assert not db.exists()
