"""FIFO queues: what a send must carry, deduplication, and sequence numbers.

- A send names its ``MessageGroupId``; per-message ``DelaySeconds`` is refused.
- Deduplication: a send whose deduplication id (its ``MessageDeduplicationId``, else the
  SHA-256 of its body under ``ContentBasedDeduplication``) was sent in the last 5 minutes
  is accepted but not stored; it is answered with the first message's id and sequence
  number. Ids are remembered per queue, or per message group under
  ``DeduplicationScope=messageGroup``, also after the message is deleted.
- ``SequenceNumber``: the stored message's place in the store (it only grows), as a
  20-digit string: increasing within each group.
- ``FifoThroughputLimit``: kept and returned; the engine has no throughput quota.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final

from orderflow.eventbus.model.queues import Deduplication, NewMessage, QueueRecord
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.queues.errors import InvalidParameterValue

DEDUPLICATION_WINDOW_MS: Final = 300_000
_ID: Final = re.compile(r"^[!-~]{1,128}$")  # alphanumeric and punctuation, 1 to 128
_NOT_FOR_THIS_TYPE: Final = "The request include parameter that is not valid for this queue type."


@dataclass(frozen=True)
class Stored:
    """Where a FIFO send went: the message id and sequence number it is answered with."""

    message_id: str
    seq: int


def check_ids(
    record: QueueRecord,
    body: str,
    group_id: str | None,
    dedup_id: str | None,
    delay_seconds: int | None,
) -> tuple[str | None, str | None]:
    """(MessageGroupId, MessageDeduplicationId) of a send to ``record``'s queue, as SQS
    accepts them: for a FIFO queue, the deduplication id the queue dedups by."""
    if group_id is not None:
        _check_id("MessageGroupId", group_id)
    if dedup_id is not None:
        _check_id("MessageDeduplicationId", dedup_id)
    if not record.fifo:
        if dedup_id is not None:
            raise _not_for_this_type("MessageDeduplicationId", dedup_id)
        return group_id, None  # a standard queue keeps a group id (fair queues) unordered
    if delay_seconds is not None:
        raise _not_for_this_type("DelaySeconds", str(delay_seconds))
    if group_id is None:
        raise InvalidParameterValue("The request must contain the parameter MessageGroupId.")
    if dedup_id is None:
        if record.attributes.get("ContentBasedDeduplication") != "true":
            raise InvalidParameterValue(
                "The queue should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly"
            )
        dedup_id = content_id(body)
    return group_id, dedup_id


def content_id(body: str) -> str:
    """The deduplication id ``ContentBasedDeduplication`` gives a body: its SHA-256."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _check_id(name: str, value: str) -> None:
    if not _ID.match(value):
        raise InvalidParameterValue(
            f"Value {value} for parameter {name} is invalid. Reason: {name} can only include "
            "alphanumeric and punctuation characters. 1 to 128 in length."
        )


def _not_for_this_type(name: str, value: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Value {value} for parameter {name} is invalid. Reason: {_NOT_FOR_THIS_TYPE}"
    )


def store(tx: StoreTransaction, record: QueueRecord, message: NewMessage, now_ms: int) -> Stored:
    """Store ``message`` in FIFO queue ``record`` unless its deduplication id was sent in
    the last 5 minutes; the id and sequence number the send is answered with."""
    if message.dedup_id is None:
        return Stored(message.message_id, tx.add_message(message))
    key = message.dedup_id
    if record.attributes.get("DeduplicationScope") == "messageGroup":
        key = f"{message.group_id}\x1f{key}"
    seen = tx.deduplication(record.name, key)
    if seen is not None and seen.expires_ms > now_ms:
        return Stored(seen.message_id, seen.seq)
    seq = tx.add_message(message)
    tx.save_deduplication(
        Deduplication(record.name, key, message.message_id, seq, now_ms + DEDUPLICATION_WINDOW_MS),
        now_ms,
    )
    return Stored(message.message_id, seq)


def sequence_number(seq: int) -> str:
    """A stored message's SequenceNumber."""
    return f"{seq:020d}"
