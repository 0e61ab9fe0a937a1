"""Receipt handles: opaque to clients, naming the queue, the message and one receive."""

from __future__ import annotations

import base64
import binascii

from orderflow.eventbus.queues.errors import ReceiptHandleIsInvalid


def make_handle(queue: str, message_id: str, nonce: str) -> str:
    """A receipt handle for one receive of ``message_id`` from ``queue``."""
    raw = f"{queue}\x1f{message_id}\x1f{nonce}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def read_handle(queue: str, handle: str) -> str:
    """The message id a receipt handle names, if it is one of ``queue``'s."""
    try:
        parts = base64.urlsafe_b64decode(handle.encode("ascii")).decode().split("\x1f")
    except (ValueError, UnicodeError, binascii.Error):
        parts = []
    if len(parts) != 3 or parts[0] != queue:
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{handle}" is not a valid receipt handle.'
        )
    return parts[1]
