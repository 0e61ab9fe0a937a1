"""What the runtime needs from storage and from a mail server.

``StateStore.transaction()`` yields a ``RuntimeState``: the services' ``ServiceState``
plus idempotency claims, the outbox's reading side and the journal. A
store may publish outbox events inside the same transaction (``put_events``): the
SQLite store does, so marking an event published and routing it are one commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from orderflow.errors import OrderflowError
from orderflow.eventbus.bus import PutEventsResult
from orderflow.runtime.journal import Attempt
from orderflow.services.ports import OutgoingEvent, OutgoingMail, ServiceState


@dataclass(frozen=True)
class StoredEvent:
    """An outbox row: the event, and when (if) it was published."""

    seq: int
    event: OutgoingEvent
    published_ms: int | None
    failures: int = 0
    last_error: str | None = None


class RuntimeState(ServiceState, Protocol):
    def claim(self, consumer: str, event_id: str, now_ms: int) -> bool:
        """Mark ``event_id`` processed by ``consumer``; False if it already was."""
        ...

    def record_attempts(self, attempts: Sequence[Attempt]) -> None: ...

    def pending_events(self, limit: int) -> list[StoredEvent]:
        """Unpublished outbox rows, oldest first (skipping rows that keep failing)."""
        ...

    def mark_published(self, seqs: Sequence[int], now_ms: int) -> None: ...

    def mark_failed(self, seqs: Sequence[int], error: str) -> None: ...

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> PutEventsResult:
        """PutEvents on the engine, in this transaction when the store shares the engine's."""
        ...

    @property
    def shares_engine_transaction(self) -> bool:
        """Whether ``put_events`` and ``acknowledge`` commit with this transaction (then the
        relay may publish inside it, and a worker acknowledge inside it)."""
        ...

    def acknowledge(self, queue: str, receipt_handles: Sequence[str]) -> None:
        """Delete received messages, in this transaction when the store shares the engine's."""
        ...

    def pending_mail(self, limit: int) -> list[OutgoingMail]: ...

    def mark_mail_sent(self, message_id: str, now_ms: int) -> None: ...

    # What ``orderflow trace`` reads.
    def events_of(self, correlation_id: str) -> list[StoredEvent]: ...

    def attempts_of(self, correlation_id: str) -> list[Attempt]: ...

    def attempts_of_message(self, message_id: str) -> list[Attempt]: ...


class StateStore(Protocol):
    def transaction(self) -> AbstractContextManager[RuntimeState]: ...

    def reader(self) -> AbstractContextManager[RuntimeState]: ...


class MailError(OrderflowError):
    """The mail server refused or could not be reached; the email stays in the outbox."""


class Mailer(Protocol):
    def send(self, mail: OutgoingMail, sender: str) -> None:
        """Deliver ``mail`` (raises ``MailError``)."""
        ...
