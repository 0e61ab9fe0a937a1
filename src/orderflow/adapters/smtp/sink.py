"""The embedded mail sink: an SMTP server (aiosmtpd) on loopback that keeps every email it
receives in the orderflow database, once per Message-ID (``orderflow mail`` lists them)."""

from __future__ import annotations

import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Protocol

from aiosmtpd.controller import Controller


class Mailbox(Protocol):
    def deliver(
        self,
        message_id: str,
        received_ms: int,
        *,
        sender: str,
        recipients: list[str],
        subject: str,
        body: str,
    ) -> bool: ...


class _KeepInMailbox:
    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        body_part = message.get_body(preferencelist=("plain",))
        body = body_part.get_content() if body_part is not None else ""
        message_id = str(message.get("Message-ID") or f"<no-id.{time.time_ns()}@sink>")
        self._mailbox.deliver(
            message_id,
            time.time_ns() // 1_000_000,
            sender=str(envelope.mail_from),
            recipients=[str(r) for r in envelope.rcpt_tos],
            subject=str(message.get("Subject", "")),
            body=body,
        )
        return "250 Message accepted for delivery"


class MailSink:
    """Start with ``start()``, stop with ``stop()``; ``port`` is the one it listens on."""

    def __init__(self, mailbox: Mailbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self._controller = Controller(_KeepInMailbox(mailbox), hostname=host, port=port)
        self.host = host

    def start(self) -> None:
        self._controller.start()

    @property
    def port(self) -> int:
        sockets = getattr(self._controller.server, "sockets", None)
        if not sockets:
            raise RuntimeError("The mail sink is not listening: call start() first.")
        return int(sockets[0].getsockname()[1])

    def stop(self) -> None:
        self._controller.stop()
