"""``SmtpMailer``: sends the mail outbox's emails to an SMTP server, over one connection."""

from __future__ import annotations

import contextlib
import smtplib
import threading
from email.message import EmailMessage
from email.utils import formatdate

from orderflow.runtime.ports import MailError
from orderflow.services.ports import OutgoingMail

TIMEOUT_S = 10.0


def compose(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = formatdate(mail.created_ms / 1000, usegmt=True)
    message["X-Orderflow-Order"] = mail.order_id
    message["X-Orderflow-Correlation"] = mail.correlation_id
    message.set_content(mail.body)
    return message


class SmtpMailer:
    """Keeps one connection open and reconnects once if it dropped."""

    def __init__(self, host: str, port: int, *, starttls: bool = False) -> None:
        self.host = host
        self.port = port
        self._starttls = starttls
        self._client: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S)
        if self._starttls:
            client.starttls()
        return client

    def send(self, mail: OutgoingMail, sender: str) -> None:
        message = compose(mail, sender)
        with self._lock:
            try:
                self._deliver(message)
            except (smtplib.SMTPServerDisconnected, OSError):
                self._drop()  # a stale or broken connection: one more try on a new one
                try:
                    self._deliver(message)
                except (smtplib.SMTPException, OSError) as exc:
                    self._drop()
                    raise MailError(
                        f"Cannot send to the SMTP server {self.host}:{self.port}: {exc}"
                    ) from exc
            except smtplib.SMTPException as exc:
                raise MailError(f"The SMTP server {self.host}:{self.port} refused: {exc}") from exc

    def _deliver(self, message: EmailMessage) -> None:
        if self._client is None:
            self._client = self._connect()
        self._client.send_message(message)

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
