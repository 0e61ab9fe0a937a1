"""Queue messages as both SQL adapters (SQLite, PostgreSQL) store them: the column lists,
and the values of a row written or read. The SQL itself stays each adapter's own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, Final

from orderflow.eventbus.model.queues import NewMessage, StoredMessage

NEW_COLUMNS: Final = (
    "queue, message_id, body, sent_ms, visible_at_ms, attributes, receive_count, "
    "first_receive_ms, group_id, dedup_id, dead_letter_source, trace_header"
)
"""A ``NewMessage``'s columns, in the order of its fields (``attributes`` holds
``message_attributes``)."""

COLUMNS: Final = NEW_COLUMNS + ", seq, receipt_handle"
"""A ``StoredMessage``'s columns, in the order of its fields."""

_FIELDS: Final = tuple(field.name for field in fields(NewMessage))


def new_values(message: NewMessage) -> tuple[Any, ...]:
    """The values of ``NEW_COLUMNS`` for a message about to be stored."""
    return tuple(getattr(message, name) for name in _FIELDS)


def stored(row: Sequence[Any]) -> StoredMessage:
    """The message a row of ``COLUMNS`` holds."""
    return StoredMessage(*row)
