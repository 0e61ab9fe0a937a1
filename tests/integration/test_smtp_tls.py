"""The SMTP sender against real SMTP servers (aiosmtpd on loopback) that ask for TLS and
a login, as a hosted relay does: STARTTLS on a submission port, TLS from the first byte,
certificates from a private CA (trustme), a login checked by the server."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from orderflow.adapters.smtp.sender import SmtpMailer
from orderflow.adapters.smtp.server import SmtpServer
from orderflow.entrypoints.system.ports import free_port
from orderflow.runtime.ports import MailError
from orderflow.services.ports import OutgoingMail

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"  # the smtps server's
)

USER = "shop"
PASSWORD = "correct horse battery staple"
SENDER = "shop@example.com"


@dataclass
class Inbox:
    """Keeps what the server accepted, and who was logged in when it did."""

    received: list[tuple[str | None, Envelope]] = field(default_factory=list)

    async def handle_DATA(self, _server: SMTP, session: Session, envelope: Envelope) -> str:
        login = session.auth_data
        user = login.login.decode() if isinstance(login, LoginPassword) else None
        self.received.append((user, envelope))
        return "250 OK"


def check_login(
    _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=data)  # a refusal answers 535


def mail() -> OutgoingMail:
    return OutgoingMail(
        message_id="<ord-1.received@orderflow.test>",
        order_id="ord-1",
        kind="received",
        recipient="u-1@customers.orderflow.test",
        subject="Your order ord-1 is received",
        body="Hello,\n\nWe received your order ord-1.\n",
        correlation_id="corr-1",
        causation_id="evt-1",
        created_ms=1_764_500_000_000,
    )


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@contextmanager
def relay(**settings: Any) -> Iterator[tuple[Inbox, int]]:
    """An aiosmtpd server on loopback that asks for a login; ``settings`` say how TLS."""
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        auth_required=True,
        authenticator=check_login,
        **settings,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(authority: trustme.CA) -> Iterator[tuple[Inbox, int]]:
    """A submission server: STARTTLS required before anything, then a login."""
    with relay(tls_context=server_context(authority), require_starttls=True) as server:
        yield server


@pytest.fixture
def tls_server(authority: trustme.CA) -> Iterator[tuple[Inbox, int]]:
    """TLS from the first byte (the smtps port), then a login. aiosmtpd can't tell such a
    connection is TLS, so it is told not to require TLS for the login."""
    with relay(ssl_context=server_context(authority), auth_require_tls=False) as server:
        yield server


def send(server: SmtpServer) -> None:
    mailer = SmtpMailer(server)
    try:
        mailer.send(mail(), SENDER)
    finally:
        mailer.close()


def test_starttls_then_a_login_delivers_the_email(
    starttls_server: tuple[Inbox, int], ca_file: str
) -> None:
    inbox, port = starttls_server
    url = f"smtp+starttls://{USER}@127.0.0.1:{port}"
    send(SmtpServer.parse(url, password=PASSWORD, ca_file=ca_file))
    [(user, envelope)] = inbox.received
    assert user == USER
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == ["u-1@customers.orderflow.test"]
    assert isinstance(envelope.content, bytes)
    assert message_from_bytes(envelope.content)["From"] == SENDER


def test_tls_from_the_first_byte_then_a_login_delivers_the_email(
    tls_server: tuple[Inbox, int], ca_file: str
) -> None:
    inbox, port = tls_server
    send(SmtpServer.parse(f"smtps://{USER}@127.0.0.1:{port}", password=PASSWORD, ca_file=ca_file))
    assert [user for user, _ in inbox.received] == [USER]


def test_a_wrong_password_is_a_transient_error_that_names_the_login(
    starttls_server: tuple[Inbox, int], ca_file: str
) -> None:
    inbox, port = starttls_server
    url = f"smtp+starttls://{USER}@127.0.0.1:{port}"
    with pytest.raises(MailError, match=f"refused the login of '{USER}'") as raised:
        send(SmtpServer.parse(url, password="wrong", ca_file=ca_file))
    assert not raised.value.permanent  # the email waits for the configuration to be mended
    assert inbox.received == []


def test_a_certificate_from_an_unknown_authority_is_not_trusted(
    tls_server: tuple[Inbox, int], starttls_server: tuple[Inbox, int]
) -> None:
    for url in (
        f"smtps://{USER}@127.0.0.1:{tls_server[1]}",
        f"smtp+starttls://{USER}@127.0.0.1:{starttls_server[1]}",
    ):
        with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED") as raised:
            send(SmtpServer.parse(url, password=PASSWORD))  # the system's CAs only
        assert not raised.value.permanent
    assert tls_server[0].received == starttls_server[0].received == []


def test_a_plain_connection_to_a_server_that_requires_starttls_is_refused(
    starttls_server: tuple[Inbox, int],
) -> None:
    inbox, port = starttls_server
    with pytest.raises(MailError, match=r"refused the sender shop@example\.com: 530") as raised:
        send(SmtpServer("127.0.0.1", port))
    assert not raised.value.permanent  # the configuration's fault: every email waits for it
    assert inbox.received == []


def test_starttls_asked_of_a_server_that_does_not_offer_it_is_a_clear_error() -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with pytest.raises(MailError, match="Cannot secure the connection") as raised:
            send(SmtpServer("127.0.0.1", controller.port, "starttls"))
        assert not raised.value.permanent
    finally:
        controller.stop()
    assert inbox.received == []
