"""What the store keeps for SQS-style queues and their messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class QueueRecord:
    """A queue: its name, its settable attributes (as SQS strings) and bookkeeping."""

    name: str
    attributes: Mapping[str, str]
    created_ms: int
    modified_ms: int
    tags: Mapping[str, str] = field(default_factory=dict)
    last_purge_ms: int | None = None

    @property
    def fifo(self) -> bool:
        return self.name.endswith(".fifo")


@dataclass(frozen=True)
class NewMessage:
    """A message about to be stored in ``queue``."""

    queue: str
    message_id: str
    body: str
    sent_ms: int
    visible_at_ms: int
    message_attributes: str = ""  # JSON text of the MessageAttributes map, "" for none
    receive_count: int = 0
    first_receive_ms: int | None = None
    group_id: str | None = None
    dedup_id: str | None = None
    dead_letter_source: str | None = None  # the ARN of the queue it was moved from
    trace_header: str | None = None  # the AWSTraceHeader system attribute, if sent


@dataclass(frozen=True)
class StoredMessage(NewMessage):
    """A message as stored: its place in the queue and, while in flight, its receipt handle."""

    seq: int = 0
    receipt_handle: str | None = None


@dataclass(frozen=True)
class Reception:
    """The change receiving makes to one stored message."""

    seq: int
    visible_at_ms: int
    receive_count: int
    first_receive_ms: int
    receipt_handle: str


@dataclass(frozen=True)
class Deduplication:
    """A FIFO queue's memory of one deduplication id: a send with the same key before
    ``expires_ms`` is accepted but not stored again (the original's id and sequence
    number are returned instead)."""

    queue: str
    key: str  # the MessageDeduplicationId, after its group under DeduplicationScope=messageGroup
    message_id: str
    seq: int
    expires_ms: int


@dataclass(frozen=True)
class QueueCounts:
    """The approximate numbers SQS reports for a queue."""

    visible: int
    in_flight: int
    delayed: int
    oldest_sent_ms: int | None


@dataclass(frozen=True)
class MoveTask:
    """A message move task (StartMessageMoveTask): a DLQ re-driven to its sources or elsewhere."""

    handle: str
    source: str  # queue name
    destination: str | None  # queue name; None: back to each message's source queue
    status: str  # RUNNING | COMPLETED | CANCELLED | FAILED
    started_ms: int
    to_move: int
    moved: int = 0
    max_per_second: int | None = None
    failure_reason: str | None = None
