"""The SMTP sender against the embedded sink (aiosmtpd, on loopback) and against a real
SMTP server that refuses: what arrives is what was sent, headers cannot be injected, and
refusals are permanent (5xx) or transient (4xx) as the server says."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from orderflow.adapters.smtp.sender import SmtpMailer, compose
from orderflow.adapters.smtp.server import SmtpServer
from orderflow.adapters.smtp.sink import MailSink, message_id_of
from orderflow.adapters.sqlite.mailbox import SqliteMailbox, mailbox_path
from orderflow.entrypoints.system.ports import free_port
from orderflow.runtime.ports import MailError
from orderflow.services.ports import OutgoingMail

SENDER = "orders@orderflow.test"


def mail(**changes: Any) -> OutgoingMail:
    fields: dict[str, Any] = {
        "message_id": "<ord-1.received@orderflow.test>",
        "order_id": "ord-1",
        "kind": "received",
        "recipient": "u-1@customers.orderflow.test",
        "subject": "Your order ord-1 is received",
        "body": "Hello,\n\nWe received your order ord-1.\n",
        "correlation_id": "corr-1",
        "causation_id": "evt-1",
        "created_ms": 1_764_500_000_000,
    }
    return OutgoingMail(**{**fields, **changes})


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[SmtpMailer, SqliteMailbox]]:
    mailbox = SqliteMailbox(tmp_path / "o.db")
    server = MailSink(mailbox, "127.0.0.1", free_port())
    server.start()
    mailer = SmtpMailer(SmtpServer("127.0.0.1", server.port))
    try:
        yield mailer, mailbox
    finally:
        mailer.close()
        server.stop()
        mailbox.close()


def test_what_the_sink_keeps_is_what_was_sent_unicode_included(
    sink: tuple[SmtpMailer, SqliteMailbox],
) -> None:
    mailer, mailbox = sink
    mailer.send(mail(), SENDER)
    accented = mail(
        message_id="<ord-2.received@orderflow.test>",
        subject="Votre commande ord-2 est reçue ✓",
        body="Bonjour Zoë,\n\nMerci — 10,00 €.\n\n.\nA line with only a dot, above.\n",
        order_id="ord-2",
    )
    mailer.send(accented, SENDER)
    first, second = mailbox.messages()
    assert first["subject"] == "Your order ord-1 is received"
    assert first["body"] == "Hello,\n\nWe received your order ord-1.\n"
    assert first["from"] == SENDER and first["to"] == ["u-1@customers.orderflow.test"]
    assert second["subject"] == accented.subject
    assert second["body"] == accented.body
    assert mailbox.path == mailbox_path(mailbox.path.with_name("o.db"))


def test_a_resent_email_is_kept_once(sink: tuple[SmtpMailer, SqliteMailbox]) -> None:
    mailer, mailbox = sink
    mailer.send(mail(), SENDER)
    mailer.send(mail(), SENDER)  # a relay that crashed before marking it sent
    assert len(mailbox.messages()) == 1


def test_composed_headers_are_what_the_standard_library_reads() -> None:
    message = message_from_bytes(
        compose(mail(subject="Line one\r\nBcc: victim@example.com", order_id="ord-é"), SENDER)
    )
    assert message["Bcc"] is None  # the line break was encoded, not written
    assert str(message["Message-ID"]) == "<ord-1.received@orderflow.test>"
    assert message["X-Orderflow-Correlation"] == "corr-1"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes) and payload.decode() == mail().body


def test_a_long_subject_is_folded_below_the_line_limit() -> None:
    raw = compose(mail(subject="x" * 2_000), SENDER)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    subject = message_from_bytes(raw)["Subject"]
    assert str(make_header(decode_header(subject))) == "x" * 2_000


@pytest.mark.parametrize(
    "recipient", ["not an address", "a@b\r\nRCPT TO:<x@y>", "<a@b>", "", "a@b c"]
)
def test_an_address_smtp_cannot_carry_is_refused_for_good(recipient: str) -> None:
    mailer = SmtpMailer(SmtpServer("127.0.0.1", free_port()))  # never reached: refused before
    with pytest.raises(MailError) as refused:
        mailer.send(mail(recipient=recipient), SENDER)
    assert refused.value.permanent
    assert "Cannot write the email" in str(refused.value)


class _Refusing:
    """An SMTP server answering ``answer`` at one step of every mail transaction."""

    def __init__(self, answer: str, step: str = "RCPT") -> None:
        self.answer = answer
        self.step = step

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.step == "MAIL":
            return self.answer
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.step == "RCPT":
            return self.answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return self.answer if self.step == "DATA" else "250 OK"


@pytest.mark.parametrize(
    ("step", "answer", "permanent", "words"),
    [
        ("RCPT", "550 5.1.1 no such user", True, "the recipient u-1@customers"),
        ("RCPT", "530 5.7.0 Authentication required", False, "the recipient u-1@customers"),
        ("DATA", "554 5.6.0 message refused", True, "the email: 554"),
        ("MAIL", "550 5.7.1 sender not allowed", False, "the sender orders@orderflow.test"),
    ],
)
def test_only_a_refusal_of_the_email_itself_is_for_good(
    step: str, answer: str, permanent: bool, words: str
) -> None:
    """A refused sender or a login required is the configuration's fault: the same for
    every email, so none of them is given up on for it."""
    server = Controller(_Refusing(answer, step), hostname="127.0.0.1", port=free_port())
    server.start()
    mailer = SmtpMailer(SmtpServer("127.0.0.1", server.port))
    try:
        with pytest.raises(MailError) as refused:
            mailer.send(mail(), SENDER)
        assert refused.value.permanent is permanent
        assert words in str(refused.value)
        assert answer in str(refused.value)
    finally:
        mailer.close()
        server.stop()


@pytest.mark.parametrize(
    ("answer", "permanent"), [("550 no such user", True), ("451 later", False)]
)
def test_a_refused_recipient_is_permanent_on_5xx_and_transient_on_4xx(
    answer: str, permanent: bool
) -> None:
    port = free_port()
    server = Controller(_Refusing(answer), hostname="127.0.0.1", port=port)
    server.start()
    mailer = SmtpMailer(SmtpServer("127.0.0.1", port))
    try:
        with pytest.raises(MailError) as refused:
            mailer.send(mail(), SENDER)
        assert refused.value.permanent is permanent
        assert answer.split(maxsplit=1)[0] in str(refused.value)
        with pytest.raises(MailError):  # the connection still carries the next transaction
            mailer.send(mail(message_id="<other@orderflow.test>"), SENDER)
    finally:
        mailer.close()
        server.stop()


def test_an_unreachable_server_is_a_transient_failure() -> None:
    mailer = SmtpMailer(SmtpServer("127.0.0.1", free_port()))
    with pytest.raises(MailError) as failed:
        mailer.send(mail(), SENDER)
    assert not failed.value.permanent


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"Subject: x\r\nMessage-ID: <a@b>\r\n\r\nbody", "<a@b>"),
        (b"message-id:\r\n <folded@b>\r\nSubject: x\r\n\r\nbody", "<folded@b>"),
        (b"Message-Id: <lf@b>\n\nbody", "<lf@b>"),
        (b"Subject: x\r\n\r\nMessage-ID: <in-the-body@b>\r\n", None),
        (b"Subject: no id\r\n\r\n", None),
    ],
)
def test_the_sink_reads_the_message_id_from_the_headers_alone(
    raw: bytes, expected: str | None
) -> None:
    assert message_id_of(raw) == expected
