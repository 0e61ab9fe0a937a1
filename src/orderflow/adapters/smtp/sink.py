"""The embedded mail sink: an SMTP server (aiosmtpd) on loopback that keeps every email it
receives, as received, once per Message-ID (``orderflow mail`` lists them). Only the
Message-ID is read on receipt; the mailbox parses the rest when it is read."""

from __future__ import annotations

import re
import sys
import time
from typing import Any, Final, Protocol

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
        raw: bytes,
    ) -> bool: ...


_MESSAGE_ID: Final = re.compile(
    rb"^message-id:[ \t]*((?:[^\r\n]|\r?\n[ \t])*)", re.IGNORECASE | re.MULTILINE
)
_FOLD: Final = re.compile(rb"\r?\n[ \t]+")


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header of ``raw`` (unfolded), read from the header block alone."""
    end = raw.find(b"\n\n")
    crlf_end = raw.find(b"\r\n\r\n")
    if crlf_end != -1 and (end == -1 or crlf_end < end):
        end = crlf_end
    found = _MESSAGE_ID.search(raw, 0, len(raw) if end == -1 else end)
    if found is None:
        return None
    value = _FOLD.sub(b" ", found.group(1)).strip()
    return value.decode("ascii", "replace") or None


class _KeepInMailbox:
    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        self._mailbox.deliver(
            message_id_of(raw) or f"<no-id.{time.time_ns()}@sink>",
            time.time_ns() // 1_000_000,
            sender=str(envelope.mail_from),
            recipients=[str(r) for r in envelope.rcpt_tos],
            raw=raw,
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
