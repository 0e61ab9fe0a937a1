"""What the runtime needs from storage and from a mail server.

``StateStore.transaction()`` yields a ``StateTransaction``, made of the parts each caller
needs: a handler's ``UnitOfWork`` (the services' ``ServiceState`` plus idempotency
claims), the ``Journal``, the outbox's ``OutboxRows``, the mail outbox's ``MailRows``,
``RetentionRows`` and the ``TraceReads``. What carries messages is the transport's
business (``runtime.transport``), not the store's.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from orderflow.errors import OrderflowError
from orderflow.eventbus.ports import Counters
from orderflow.runtime.journal import Attempt
from orderflow.services.ports import OutgoingEvent, OutgoingMail, ServiceState

MAX_FAILURES: Final = 5
"""Attempts after which an outbox row (event or email) is left for an operator."""


@dataclass(frozen=True)
class StoredEvent:
    """An outbox row: the event, and when (if) it was published."""

    seq: int
    event: OutgoingEvent
    published_ms: int | None
    failures: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class UnsentMail:
    """A mail outbox row not sent yet: how often the server refused it for good, and the
    last error the relay met with it (a refusal, or why the server could not take it)."""

    mail: OutgoingMail
    refusals: int
    last_error: str | None

    @property
    def given_up(self) -> bool:
        """Refused too often: the relay leaves it until an operator retries it."""
        return self.refusals >= MAX_FAILURES


Record = Literal["attempts", "events", "emails", "processed"]
"""The services' records that only grow: the delivery journal's attempts, published
outbox events, sent emails and consumers' processed marks."""


class UnitOfWork(ServiceState, Protocol):
    """What a handler's work needs inside one transaction: the services' state and the
    consumers' idempotency claims."""

    def claim(self, consumer: str, event_id: str, now_ms: int) -> bool:
        """Mark ``event_id`` processed by ``consumer``; False if it already was."""
        ...


class Journal(Protocol):
    def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        """Keep what came of each delivery (``orderflow trace``, ``dlq show``)."""
        ...


class OutboxRows(Protocol):
    """The outbox's reading side: what the relay publishes."""

    def pending_events(self, limit: int) -> list[StoredEvent]:
        """Unpublished outbox rows, oldest first (skipping rows that keep failing)."""
        ...

    def lease_pending(self, limit: int, now_ms: int, lease_ms: int) -> list[StoredEvent]:
        """Up to ``limit`` unpublished rows, oldest first (skipping rows that keep
        failing, and rows leased at ``now_ms``), leased until ``now_ms + lease_ms``: no
        other ``lease_pending`` returns them meanwhile, so relays that publish outside
        a transaction (to a remote bus) take disjoint rows. A lease ends when it runs
        out (the row is then another relay's to publish again) or when the row is
        marked failed."""
        ...

    def mark_published(self, seqs: Sequence[int], now_ms: int) -> None: ...

    def mark_failed(self, seqs: Sequence[int], error: str) -> None:
        """Count a failure against the rows, keep ``error``, and end their lease."""
        ...


class MailRows(Protocol):
    """The mail outbox's sending side."""

    def pending_mail(self, limit: int) -> list[OutgoingMail]:
        """Unsent emails, oldest first (skipping those refused too often)."""
        ...

    def lease_mail(self, limit: int, now_ms: int, lease_ms: int) -> list[OutgoingMail]:
        """Take up to ``limit`` of the pending emails no other relay holds (none, or its
        lease ran out), oldest first, for ``lease_ms``: relays on many processes send
        disjoint emails (each once), and a crashed relay's come back when its lease ends."""
        ...

    def release_mail(self, message_ids: Sequence[str]) -> None:
        """End the leases of these emails (tried and not sent, or not tried): the next
        round, of any relay, takes them again."""
        ...

    def mark_mail_sent(self, message_id: str, now_ms: int) -> bool:
        """Mark an email sent; False if it already was (another relay got there first)."""
        ...

    def mark_mail_failed(self, message_id: str, error: str, *, permanent: bool) -> None:
        """Keep ``error`` as the email's last; a ``permanent`` one (refused for good)
        counts towards giving up on it."""
        ...

    def unsent_mail(self, limit: int) -> list[UnsentMail]:
        """Emails not sent yet, given up on or not, oldest first."""
        ...

    def retry_mail(self, message_ids: Sequence[str] | None) -> list[str]:
        """Clear the refusals and last error of these unsent emails (every unsent one when
        None), so the relay sends them again; the Message-IDs it cleared, once each."""
        ...


class RetentionRows(Protocol):
    def prune(self, record: Record, before_ms: int, limit: int) -> int:
        """Delete up to ``limit`` of ``record`` older than ``before_ms`` (attempts started,
        events published, emails sent, events processed, before it); how many."""
        ...

    def count_older(self, record: Record, before_ms: int) -> int:
        """How many of ``record`` are older than ``before_ms`` (what ``prune`` would take)."""
        ...


class TraceReads(Protocol):
    """What ``orderflow trace`` and ``dlq show`` read."""

    def events_of(self, correlation_id: str) -> list[StoredEvent]: ...

    def attempts_of(self, correlation_id: str) -> list[Attempt]: ...

    def attempts_of_message(self, message_id: str) -> list[Attempt]: ...


@dataclass(frozen=True)
class Backlog:
    """What waits to go out: how many, and since when (None: nothing waits)."""

    count: int
    oldest_ms: int | None


class Backlogs(Protocol):
    """What the metrics read of the outboxes: only their unsent rows (a partial index
    each), never the rows already sent."""

    def outbox_backlog(self) -> dict[str, Backlog]:
        """Unpublished outbox events by their ``source`` (the service that emitted them)."""
        ...

    def mail_backlog(self) -> Backlog:
        """Unsent emails."""
        ...


class StateTransaction(
    UnitOfWork,
    Journal,
    OutboxRows,
    MailRows,
    RetentionRows,
    TraceReads,
    Backlogs,
    Counters,
    Protocol,
):
    """Everything a state store offers in one transaction; each caller types against the
    part it uses."""


class StateStore(Protocol):
    def transaction(self) -> AbstractContextManager[StateTransaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        ...

    def reader(self) -> AbstractContextManager[StateTransaction]:
        """A read-only transaction (it never waits for writers)."""
        ...


class MailError(OrderflowError):
    """The mail server refused or could not be reached; the email stays in the outbox.
    ``permanent``: it refused this email for good (retrying will not help)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Mailer(Protocol):
    def send(self, mail: OutgoingMail, sender: str) -> None:
        """Deliver ``mail`` (raises ``MailError``)."""
        ...
