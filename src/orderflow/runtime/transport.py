"""The transport: what carries the services' events, behind one protocol.

``Transport`` has the four operations a consumer and the outbox relay need, named after
the SQS and EventBridge calls they stand for (ReceiveMessage, DeleteMessageBatch,
ChangeMessageVisibility, PutEvents). Two kinds implement it:

- a **joining** transport (``JoiningTransport``: the embedded engine) can also run its
  operations inside a state transaction (``within``): receive, handle, acknowledge and
  publish are then one commit, and effects happen exactly once by construction;
- any other (the AWS APIs through boto3) is **at least once**: a message is deleted
  only after the state transaction that handled it committed, and an outbox row is
  marked published only after PutEvents accepted it; a redelivery or a republished
  event finds the consumer's idempotency claim taken and changes nothing.

The runtime chooses between them once, by asking ``joining(transport)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from orderflow.errors import OrderflowError


@dataclass(frozen=True)
class Message:
    """A message as a consumer receives it, whichever transport carried it."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int = 1
    """ApproximateReceiveCount: 1 on the first delivery."""


@dataclass(frozen=True)
class PublishedEntry:
    """What PutEvents answered for one entry: its event id, or why it was refused."""

    event_id: str | None
    error_code: str | None = None
    error_message: str | None = None
    transient: bool = False
    """A refusal that says nothing about the entry (throttled, an internal failure):
    it is put again later, and not counted against the event."""

    @property
    def error(self) -> str:
        return f"{self.error_code}: {self.error_message}"


class TransportError(OrderflowError):
    """The transport refused a request as a whole; ``code`` is the AWS error code."""

    def __init__(self, message: str, *, code: str = "InternalFailure") -> None:
        super().__init__(message)
        self.code = code


class TransportUnavailable(TransportError):
    """No answer (the endpoint is down or unreachable), or one that says nothing about the
    request (a server error, throttling, credentials refused). Nothing is counted against
    the messages or events at hand; a later round tries again."""


class Transport(Protocol):
    def receive(self, queue: str, *, max_messages: int, wait_time_s: int) -> list[Message]:
        """ReceiveMessage: up to ``max_messages``, long-polling up to ``wait_time_s``."""
        ...

    def acknowledge(self, queue: str, receipt_handles: Sequence[str]) -> None:
        """Delete received messages. A handle that no longer deletes anything (the
        message is gone, or was received again since) is no error: a message received
        again is handled again, and its claim makes that harmless."""
        ...

    def change_visibility(self, queue: str, receipt_handle: str, timeout_s: int) -> None:
        """Make a received message visible again in ``timeout_s`` (its retry backoff);
        nothing if it is visible again already or gone."""
        ...

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> list[PublishedEntry]:
        """PutEvents: one result per entry, in order (``TransportError`` if the request
        is refused as a whole)."""
        ...


@runtime_checkable
class JoiningTransport(Transport, Protocol):
    """A transport whose operations can commit with a state transaction."""

    concurrent: bool
    """Whether receives in other processes' transactions run beside this one's (the
    messages one holds are skipped by the others: PostgreSQL), rather than in turn (one
    writer at a time: SQLite)."""

    def within(self, state: object) -> Transport:
        """This transport inside ``state``'s transaction: what it receives, deletes and
        publishes there commits, or rolls back, with it (receives never wait)."""
        ...

    def peek(self, queue: str, *, max_messages: int, wait_time_s: int) -> list[Message]:
        """The messages visible now, long-polling up to ``wait_time_s`` for one, without
        receiving them (to read ahead before the transaction that receives)."""
        ...

    def queue_signal(self, queue: str) -> int:
        """A value that moves whenever a commit (of any process) may have made messages of
        ``queue`` visible: read it before a receive, to wait on if that finds none."""
        ...

    def wait_for_signal(self, queue: str, seen: int, timeout_s: float) -> None:
        """Return once ``queue_signal(queue)`` is no longer ``seen``, or after ``timeout_s``."""
        ...


def joining(transport: Transport) -> JoiningTransport | None:
    """``transport`` if it can join state transactions, else None."""
    return transport if isinstance(transport, JoiningTransport) else None
