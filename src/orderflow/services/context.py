"""Where the services' code runs: ``Context`` (the state inside a transaction, the clock's
now, ids, and emitting events into the outbox), a ``HandlerContext`` for a consumer's
handler (with the event being handled), a ``CommandContext`` for a command (see
``services.orders.commands``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from orderflow.events.contracts import Contract, Metadata
from orderflow.events.envelope import Envelope
from orderflow.services.ports import OutgoingEvent, OutgoingMail, ServiceState

ORDERS_BUS: Final = "orders"
"""The bus every service publishes to (see ``topology``)."""


@dataclass(frozen=True)
class Context:
    """The state (inside the transaction), the clock's now and how ids are made."""

    state: ServiceState
    now_ms: int
    now_iso: str
    new_id: Callable[[], str]


@dataclass(frozen=True, kw_only=True)
class HandlerContext(Context):
    """One handler call: the consumer, and the event being handled (``cause``), whose
    correlation the emitted events carry."""

    consumer: str
    cause: Envelope
    emitted: list[OutgoingEvent] = field(default_factory=list)

    def metadata(self) -> Metadata:
        """Metadata for an event caused by ``cause``: same correlation, a new event id."""
        return Metadata(
            created_at=self.now_iso,
            correlation_id=self.cause.correlation_id,
            causation_id=self.cause.event_id,
            event_id=self.new_id(),
        )

    def emit(self, event: Contract) -> None:
        """Put ``event`` in the outbox; it is published once this handler's work commits."""
        self.emitted.append(outgoing(event, self.now_ms))
        self.state.add_events([self.emitted[-1]])

    def send_mail(self, mail: OutgoingMail) -> None:
        self.state.add_mail(mail)


def outgoing(event: Contract, now_ms: int, bus: str = ORDERS_BUS) -> OutgoingEvent:
    """The outbox row for ``event`` (whose metadata carries its ids)."""
    detail = event.to_detail()
    metadata = detail["metadata"]
    return OutgoingEvent(
        event_id=metadata["eventId"],
        correlation_id=metadata["correlationId"],
        causation_id=metadata.get("causationId"),
        source=event.SOURCE,
        detail_type=event.DETAIL_TYPE,
        detail=detail,
        bus=bus,
        created_ms=now_ms,
    )


@dataclass(frozen=True)
class CommandContext(Context):
    """Where a command runs, and the journey it belongs to (None: a new one)."""

    correlation_id: str | None = None

    def metadata(self, correlation_id: str) -> Metadata:
        return Metadata(
            created_at=self.now_iso, correlation_id=correlation_id, event_id=self.new_id()
        )
