"""``SmtpMailer``: sends the mail outbox's emails to an SMTP server, over one connection
(plain, STARTTLS or TLS, logged in when the server is given a user: see ``SmtpServer``)."""

from __future__ import annotations

import base64
import contextlib
import re
import smtplib
import ssl
import threading
from email.header import Header
from email.utils import formatdate
from typing import Final

from orderflow.adapters.smtp.server import SmtpServer
from orderflow.runtime.ports import MailError
from orderflow.services.ports import OutgoingMail

TIMEOUT_S = 10.0
_PLAIN_HEADER_MAX: Final = 900
"""Longer values are folded (a header line may not pass 998 characters)."""
_ADDRESS: Final = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")
"""An address as SMTP's MAIL and RCPT commands can carry it: printable ASCII with an ``@``
and no spaces, angle brackets or line breaks (nothing that could end the command)."""


def check_address(address: str) -> None:
    """A ``ValueError`` unless ``address`` is an email address SMTP's MAIL and RCPT
    commands can carry."""
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"{address!r} is not an email address SMTP can carry")


def _text(value: str) -> str:
    """A header's value: as it is when it is short printable ASCII, else as encoded words
    (folded; a line break in the value cannot start a header of its own)."""
    if value.isascii() and value.isprintable() and len(value) <= _PLAIN_HEADER_MAX:
        return value
    return Header(value, "utf-8", maxlinelen=76).encode(linesep="\r\n")


def compose(mail: OutgoingMail, sender: str) -> bytes:
    """The email as bytes: a plain-text body in UTF-8, base64-encoded (what the standard
    library's ``MIMEText(body, "plain", "utf-8")`` writes), and the headers a client and
    ``orderflow trace`` need. Written directly rather than through ``email.message``:
    the library spent about 150 us an email folding headers that are plain ASCII, most
    of the notification worker's time (docs/benchmarks.md)."""
    for address in (sender, mail.recipient):
        check_address(address)
    headers = (
        f"From: {sender}\r\n"
        f"To: {mail.recipient}\r\n"
        f"Subject: {_text(mail.subject)}\r\n"
        f"Message-ID: {_text(mail.message_id)}\r\n"
        f"Date: {formatdate(mail.created_ms / 1000, usegmt=True)}\r\n"
        f"X-Orderflow-Order: {_text(mail.order_id)}\r\n"
        f"X-Orderflow-Correlation: {_text(mail.correlation_id)}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
    )
    body = base64.encodebytes(mail.body.encode("utf-8")).replace(b"\n", b"\r\n")
    return headers.encode("ascii") + body


class SmtpMailer:
    """Keeps one connection open and reconnects once if it dropped."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self._client: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        """A connection secured and logged in as ``server`` says. What stops the STARTTLS
        upgrade (not offered, a certificate we don't trust) or the login (refused, not
        offered) is a transient ``MailError``: it is the configuration that is wrong, not
        the email, which waits in the outbox until the configuration is mended. (With
        ``smtps://``, a certificate we don't trust fails the connection itself, which
        ``send`` reports as the server unreachable: transient too.)"""
        server = self.server
        client: smtplib.SMTP
        if server.security == "tls":
            client = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_S, context=server.tls_context()
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_S)
        try:
            if server.security == "starttls":
                try:
                    client.ehlo()
                    client.starttls(context=server.tls_context())
                except (smtplib.SMTPException, ssl.SSLError) as exc:
                    raise MailError(f"Cannot secure the connection to {server}: {exc}") from exc
            if server.username is not None:
                client.ehlo_or_helo_if_needed()
                try:
                    client.login(server.username, server.password or "")
                except smtplib.SMTPException as exc:  # refused, or no AUTH offered
                    raise MailError(
                        f"The SMTP server {server} refused the login of {server.username!r}: {exc}"
                    ) from exc
        except BaseException:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.close()
            raise
        return client

    def send(self, mail: OutgoingMail, sender: str) -> None:
        """Deliver ``mail``. A refusal of this email for good (a 5xx answer to its recipient
        or its content, or an email that cannot be written) raises a permanent
        ``MailError``; anything else (a 4xx, a refused sender or session, a connection
        that fails twice) a transient one."""
        try:
            message = compose(mail, sender)
        except (ValueError, TypeError) as exc:
            raise MailError(f"Cannot write the email: {exc}", permanent=True) from exc
        with self._lock:
            try:
                self._deliver(sender, mail.recipient, message)
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
                raise self._refused(exc) from exc
            except (smtplib.SMTPException, OSError):
                self._drop()  # a stale or broken connection: one more try on a new one
                try:
                    self._deliver(sender, mail.recipient, message)
                except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
                    raise self._refused(exc) from exc
                except (smtplib.SMTPException, OSError) as exc:
                    self._drop()
                    raise MailError(f"Cannot send to the SMTP server {self.server}: {exc}") from exc

    def _refused(self, error: smtplib.SMTPException) -> MailError:
        """The server's answer as it gave it (``550 5.1.1 no such user``), naming what it
        refused. Permanent only when it refused this email, its recipient or its content,
        with a 5xx other than 530 (a login or STARTTLS required): an answer to the sender
        or the session is the configuration's, the same for every email, so the emails
        wait for it to be mended rather than being given up one after another."""
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in error.recipients.values()]
            what = "; ".join(
                f"the recipient {address}: {code} {_said(reply)}"
                for address, (code, reply) in error.recipients.items()
            )
        elif isinstance(error, smtplib.SMTPResponseException):
            codes = [error.smtp_code]
            answer = f"{error.smtp_code} {_said(error.smtp_error)}"
            if isinstance(error, smtplib.SMTPDataError):
                what = f"the email: {answer}"
            elif isinstance(error, smtplib.SMTPSenderRefused):
                what, codes = f"the sender {error.sender}: {answer}", []
            else:
                what, codes = f"the session: {answer}", []
        else:
            codes, what = [], f"the email: {error}"
        permanent = bool(codes) and all(500 <= code < 600 and code != 530 for code in codes)
        return MailError(f"The SMTP server {self.server} refused {what}", permanent=permanent)

    def _deliver(self, sender: str, recipient: str, message: bytes) -> None:
        """One mail transaction: what ``SMTP.sendmail`` does for one recipient, with the
        addresses as ``compose`` checked them (sendmail would parse them once more)."""
        if self._client is None:
            self._client = self._connect()
        client = self._client
        client.ehlo_or_helo_if_needed()
        code, reply = client.docmd("MAIL", f"FROM:<{sender}>")
        if code != 250:
            _reset(client)
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = client.docmd("RCPT", f"TO:<{recipient}>")
        if code not in (250, 251):
            _reset(client)
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        code, reply = client.data(message)
        if code != 250:
            _reset(client)
            raise smtplib.SMTPDataError(code, reply)

    def _drop(self) -> None:
        if self._client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._client.close()
            self._client = None

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    self._client.quit()
            self._drop()


def _said(reply: bytes | str) -> str:
    """A server's reply as text, on one line."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _reset(client: smtplib.SMTP) -> None:
    """Abandon the mail transaction, so that the connection can carry the next one."""
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        client.rset()
