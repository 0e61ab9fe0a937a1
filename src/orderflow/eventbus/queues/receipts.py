"""Receipt handles: opaque to clients, naming the queue, the message, one receive and
when it happened (the 12 hours a message may stay in flight count from it)."""

from __future__ import annotations

import base64
import binascii

from orderflow.eventbus.queues.errors import ReceiptHandleIsInvalid


def make_handle(queue: str, seq: int, nonce: str, received_ms: int) -> str:
    """A receipt handle for one receive, at ``received_ms``, of the message stored as
    ``seq`` in ``queue``."""
    raw = f"{queue}\x1f{seq}\x1f{nonce}\x1f{received_ms}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _parts(queue: str, handle: str) -> list[str]:
    try:
        parts = base64.urlsafe_b64decode(handle.encode("ascii")).decode().split("\x1f")
    except (ValueError, UnicodeError, binascii.Error):
        parts = []
    # Three parts: a handle made before the receive time was part of it.
    if len(parts) not in (3, 4) or parts[0] != queue or not parts[1].isdigit():
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{handle}" is not a valid receipt handle.'
        )
    return parts


def read_handle(queue: str, handle: str) -> int:
    """The stored message a receipt handle names, if it is one of ``queue``'s."""
    return int(_parts(queue, handle)[1])


def received_at(queue: str, handle: str) -> int | None:
    """When the receive that made ``handle`` happened (None: a handle that does not say)."""
    parts = _parts(queue, handle)
    return int(parts[3]) if len(parts) == 4 and parts[3].isdigit() else None
