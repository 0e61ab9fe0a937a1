"""The services' rows as both SQL adapters (SQLite, PostgreSQL) store them: the column
lists, and the records made from a row or into one. The SQL itself stays each adapter's
own (placeholders, upserts and locks differ), but for the leases, the same statement in
both but for its placeholder and lock (``lease_statement``)."""

from __future__ import annotations

from typing import Any, Final

import orjson

from orderflow.runtime.journal import Attempt, Outcome
from orderflow.runtime.ports import Backlog, Record, StoredEvent
from orderflow.services.ports import OutgoingEvent, OutgoingMail

AGED: Final[dict[Record, tuple[str, str, str]]] = {
    "attempts": ("svc_attempts", "seq", "started_ms"),
    "events": ("svc_outbox", "seq", "published_ms"),  # unpublished: NULL, never older
    "emails": ("svc_mail_outbox", "message_id", "sent_ms"),  # unsent: likewise
    "processed": ("svc_processed", "consumer, event_id", "processed_ms"),
}
"""Each record's table, key and time: what ``prune`` deletes by."""

OUTBOX_BACKLOG: Final = (
    "SELECT source, COUNT(*), MIN(created_ms) FROM svc_outbox WHERE published_ms IS NULL "
    "GROUP BY source"
)
MAIL_BACKLOG: Final = "SELECT COUNT(*), MIN(created_ms) FROM svc_mail_outbox WHERE sent_ms IS NULL"
"""What waits in the outboxes (their partial indexes hold only the unsent rows)."""


def outbox_backlog(rows: list[Any]) -> dict[str, Backlog]:
    return {str(source): Backlog(int(count), oldest) for source, count, oldest in rows}


def mail_backlog(row: Any) -> Backlog:
    return Backlog(int(row[0]), row[1])


MAIL_COLUMNS: Final = (
    "message_id, order_id, kind, recipient, subject, body, correlation_id, causation_id, created_ms"
)
"""An ``OutgoingMail``'s fields, in its order."""

ATTEMPT_COLUMNS: Final = (
    "consumer, message_id, event_id, correlation_id, causation_id, source, detail_type, "
    "receive_count, outcome, error, started_ms, duration_ms"
)
"""An ``Attempt``'s fields, in its order."""

OUTBOX_COLUMNS: Final = (
    "seq, event_id, correlation_id, causation_id, source, detail_type, detail, bus, "
    "created_ms, published_ms, failures, last_error"
)
"""What ``stored_event`` reads."""

LEASED: Final = {
    "outbox": ("svc_outbox", "seq", "published_ms IS NULL", "seq", OUTBOX_COLUMNS),
    "mail": (
        "svc_mail_outbox",
        "message_id",
        "sent_ms IS NULL",
        "created_ms, message_id",
        MAIL_COLUMNS,
    ),
}
"""What a relay leases: each outbox's table, key, pending rows, order and columns."""


def lease_statement(leased: str, placeholder: str, lock: str = "") -> str:
    """The ``UPDATE`` that leases up to a limit of the pending rows of ``leased`` (an entry
    of ``LEASED``) that no lease holds, and returns them; its parameters: the lease's
    end, ``MAX_FAILURES``, now, the limit. ``lock``: the subquery's row lock, if any."""
    table, key, pending, order, columns = LEASED[leased]
    p = placeholder
    return (
        f"UPDATE {table} SET leased_until_ms = {p} WHERE {key} IN (SELECT {key} FROM {table} "
        f"WHERE {pending} AND failures < {p} AND (leased_until_ms IS NULL OR "
        f"leased_until_ms <= {p}) ORDER BY {order} LIMIT {p}{lock}) RETURNING {columns}"
    )


def event_values(event: OutgoingEvent) -> tuple[Any, ...]:
    """An outbox row's values: event_id, correlation_id, causation_id, source,
    detail_type, detail (JSON), bus, created_ms."""
    return (
        event.event_id,
        event.correlation_id,
        event.causation_id,
        event.source,
        event.detail_type,
        orjson.dumps(event.detail).decode(),
        event.bus,
        event.created_ms,
    )


def mail_values(mail: OutgoingMail) -> tuple[Any, ...]:
    """A mail outbox row's values, in ``MAIL_COLUMNS``' order."""
    return (
        mail.message_id,
        mail.order_id,
        mail.kind,
        mail.recipient,
        mail.subject,
        mail.body,
        mail.correlation_id,
        mail.causation_id,
        mail.created_ms,
    )


def oldest_mail_first(mail: OutgoingMail) -> tuple[int, str]:
    """The order emails are sent in: by creation, then Message-ID."""
    return mail.created_ms, mail.message_id


def attempt_values(attempt: Attempt) -> tuple[Any, ...]:
    """A journal row's values, in ``ATTEMPT_COLUMNS``' order."""
    return (
        attempt.consumer,
        attempt.message_id,
        attempt.event_id,
        attempt.correlation_id,
        attempt.causation_id,
        attempt.source,
        attempt.detail_type,
        attempt.receive_count,
        attempt.outcome.value,
        attempt.error,
        attempt.started_ms,
        attempt.duration_ms,
    )


def stored_event(row: tuple[Any, ...]) -> StoredEvent:
    """An outbox row read by ``OUTBOX_COLUMNS``."""
    (seq, event_id, correlation, causation, source, detail_type, detail, bus, created) = row[:9]
    return StoredEvent(
        seq=seq,
        event=OutgoingEvent(
            event_id,
            correlation,
            causation,
            source,
            detail_type,
            orjson.loads(detail),
            bus,
            created,
        ),
        published_ms=row[9],
        failures=row[10],
        last_error=row[11],
    )


def attempt(row: tuple[Any, ...]) -> Attempt:
    """A journal row read by ``ATTEMPT_COLUMNS``."""
    values = list(row)
    values[8] = Outcome(values[8])
    return Attempt(*values)
