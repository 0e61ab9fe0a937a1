"""What a service needs from storage, inside one transaction.

``ServiceState`` is the port (part of the public API, ``orderflow.app``): documents (a
service's own records, by kind and key), the event outbox and the mail outbox.
The runtime opens the transaction; a handler's
reads, writes and emitted events commit together or not at all. Adapters: in memory
(``adapters.memory.state``) and SQLite (``adapters.sqlite.state``), on the same file
and in the same transaction as the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingEvent:
    """An event waiting in the outbox for the relay to put it on the bus."""

    event_id: str
    correlation_id: str
    causation_id: str | None
    source: str
    detail_type: str
    detail: dict[str, Any]
    bus: str
    created_ms: int


@dataclass(frozen=True)
class OutgoingMail:
    """An email waiting in the mail outbox. ``message_id`` is derived from what caused it,
    so a retried send carries the same Message-ID and a receiver can drop the copy."""

    message_id: str
    order_id: str
    kind: str
    recipient: str
    subject: str
    body: str
    correlation_id: str
    causation_id: str
    created_ms: int


class ServiceState(Protocol):
    """A service's view of storage inside a transaction."""

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """The document ``key`` of ``kind``, or None."""
        ...

    def put(self, kind: str, key: str, document: dict[str, Any]) -> None:
        """Insert or replace a document."""
        ...

    def scan(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every document of ``kind``, by key."""
        ...

    def add_events(self, events: list[OutgoingEvent]) -> None:
        """Put events in the outbox (published after the commit, exactly once)."""
        ...

    def add_mail(self, mail: OutgoingMail) -> None:
        """Put an email in the mail outbox (sent after the commit)."""
        ...
