"""Receipt handles: opaque to clients, naming the queue, the message and one receive."""

from __future__ import annotations

import base64
import binascii

from orderflow.eventbus.queues.errors import ReceiptHandleIsInvalid


def make_handle(queue: str, seq: int, nonce: str) -> str:
    """A receipt handle for one receive of the message stored as ``seq`` in ``queue``."""
    raw = f"{queue}\x1f{seq}\x1f{nonce}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def read_handle(queue: str, handle: str) -> int:
    """The stored message a receipt handle names, if it is one of ``queue``'s."""
    try:
        parts = base64.urlsafe_b64decode(handle.encode("ascii")).decode().split("\x1f")
    except (ValueError, UnicodeError, binascii.Error):
        parts = []
    if len(parts) != 3 or parts[0] != queue or not parts[1].isdigit():
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{handle}" is not a valid receipt handle.'
        )
    return int(parts[1])
