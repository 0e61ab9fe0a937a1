"""The embedded mail sink: an SMTP server (aiosmtpd) on loopback that keeps every email it
receives in the orderflow database, once per Message-ID (``orderflow mail`` lists them)."""

from __future__ import annotations

import sys
import time
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from typing import Any, Protocol

from aiosmtpd.controller import Controller

if sys.platform != "win32":
    import uvloop


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


def _header(value: object) -> str:
    """A header's text, encoded words (``=?utf-8?...?=``) decoded."""
    return str(make_header(decode_header(str(value))))


def _plain_text(message: Message) -> str:
    """The first text/plain part, its transfer encoding and charset decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""


class _KeepInMailbox:
    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw)
        message_id = str(message.get("Message-ID") or f"<no-id.{time.time_ns()}@sink>")
        self._mailbox.deliver(
            message_id,
            time.time_ns() // 1_000_000,
            sender=str(envelope.mail_from),
            recipients=[str(r) for r in envelope.rcpt_tos],
            subject=_header(message.get("Subject", "")),
            body=_plain_text(message),
        )
        return "250 Message accepted for delivery"


class MailSink:
    """Start with ``start()``, stop with ``stop()``; ``port`` is the one it listens on."""

    def __init__(self, mailbox: Mailbox, host: str = "127.0.0.1", port: int = 0) -> None:
        # uvloop where it exists (uvicorn brings it; not on Windows): about 10 % less CPU
        # an email than asyncio's own loop (docs/benchmarks.md).
        loop = uvloop.new_event_loop() if sys.platform != "win32" else None
        self._controller = Controller(_KeepInMailbox(mailbox), hostname=host, port=port, loop=loop)
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
