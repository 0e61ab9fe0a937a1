"""``SmtpMailer``: sends the mail outbox's emails to an SMTP server, over one connection."""

from __future__ import annotations

import contextlib
import smtplib
import threading
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate

from orderflow.runtime.ports import MailError
from orderflow.services.ports import OutgoingMail

TIMEOUT_S = 10.0


def _text(value: str) -> str:
    """A header's value: as it is when it is printable ASCII, else as encoded words (which
    also keeps a line break in a value from starting a header of its own). Encoding costs
    about 50 us a header, and most values are plain."""
    if value.isascii() and value.isprintable():
        return value
    return Header(value, "utf-8").encode()


def compose(mail: OutgoingMail, sender: str) -> bytes:
    """The email as bytes (the compat32 email API: several times cheaper than the modern
    one, and the message is plain text in UTF-8)."""
    message = MIMEText(mail.body, "plain", "utf-8")
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = _text(mail.subject)
    message["Message-ID"] = mail.message_id
    message["Date"] = formatdate(mail.created_ms / 1000, usegmt=True)
    message["X-Orderflow-Order"] = _text(mail.order_id)
    message["X-Orderflow-Correlation"] = _text(mail.correlation_id)
    return message.as_bytes()


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
        """Deliver ``mail``. A refusal (5xx, or an email that cannot be written) raises a
        permanent ``MailError``; a 4xx answer or a connection that fails twice, a transient
        one."""
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
                    raise MailError(
                        f"Cannot send to the SMTP server {self.host}:{self.port}: {exc}"
                    ) from exc

    def _refused(self, error: smtplib.SMTPException) -> MailError:
        codes = (
            [code for code, _ in error.recipients.values()]
            if isinstance(error, smtplib.SMTPRecipientsRefused)
            else [getattr(error, "smtp_code", 0)]
        )
        permanent = all(500 <= code < 600 for code in codes)
        return MailError(
            f"The SMTP server {self.host}:{self.port} refused the email: {error}",
            permanent=permanent,
        )

    def _deliver(self, sender: str, recipient: str, message: bytes) -> None:
        if self._client is None:
            self._client = self._connect()
        self._client.sendmail(sender, [recipient], message)

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
