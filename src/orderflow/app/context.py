"""Where a consumer's handler runs: ``Context``, given with each event.

A handler is a plain function ``handler(event, ctx)``. Through ``ctx`` it reads and
writes its consumer's own documents (``ctx.state``), emits events into the outbox
(``ctx.emit``) and emails into the mail outbox (``ctx.send_mail``). The runtime calls it
inside one transaction with the claim of the event's id: all of it commits once, with the
event's acknowledgement, or not at all (a redelivery finds its claim taken and does
nothing), so effects happen exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, TypeVar

from orderflow.app.state import OutgoingEvent, OutgoingMail, ServiceState
from orderflow.events.contracts import Contract, Metadata
from orderflow.events.envelope import Envelope
from orderflow.events.registry import decode_latest

if TYPE_CHECKING:
    from orderflow.events.registry import ContractRegistry

ORDERS_BUS: Final = "orders"
"""The bus the built-in services publish to, and a consumer's rule's bus by default."""

C = TypeVar("C", bound=Contract)


@dataclass(frozen=True)
class BaseContext:
    """The state (inside the transaction), the clock's now and how ids are made."""

    state: ServiceState
    now_ms: int
    now_iso: str
    new_id: Callable[[], str]


@dataclass(frozen=True, kw_only=True)
class Context(BaseContext):
    """One handler call: the consumer, and the event being handled (``cause``), whose
    correlation the emitted events carry."""

    consumer: str
    cause: Envelope
    emitted: list[OutgoingEvent] = field(default_factory=list)
    contracts: ContractRegistry | None = None
    """The contracts the application declared beside the built-in ones (None: only those)."""

    def metadata(self) -> Metadata:
        """Metadata for an event caused by ``cause``: same correlation, a new event id."""
        return Metadata(
            created_at=self.now_iso,
            correlation_id=self.cause.correlation_id,
            causation_id=self.cause.event_id,
            event_id=self.new_id(),
        )

    def decode(self, contract: type[C]) -> C:
        """The event being handled as ``contract`` (its latest version: an older one is
        upcast); a contract error (the event ends in the DLQ after its retries) if it is
        not that event or breaks its contract."""
        if self.contracts is None:
            return decode_latest(self.cause, contract)
        return self.contracts.decode_latest(self.cause, contract)

    def emit(self, event: Contract, bus: str = ORDERS_BUS) -> None:
        """Put ``event`` in the outbox; it is published on ``bus`` once this handler's work
        commits. Its metadata (``ctx.metadata()``) carries its ids."""
        self.emitted.append(outgoing(event, self.now_ms, bus))
        self.state.add_events([self.emitted[-1]])

    def send_mail(self, mail: OutgoingMail) -> None:
        """Put an email in the mail outbox (sent by the consumer's mail relay after the
        commit; ``mail.message_id`` derived from the cause makes a retried send a copy the
        receiver can drop)."""
        self.state.add_mail(mail)


HandlerContext = Context
"""The name the built-in services' code used before the public API; the same class."""


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
