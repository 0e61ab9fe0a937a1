"""The mail relay: send the mail outbox, then record the send and emit NotificationSent.

An email is marked sent (and NotificationSent put in the outbox) only after the
mail server accepted it. A crash between the two sends it again on restart with
the same Message-ID, which the embedded mail sink (and most mail clients) treat as
the same message. A server that refuses or cannot be reached leaves the email in
the outbox for the next round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from orderflow.eventbus.clock import Clock, to_iso
from orderflow.events.contracts import Metadata, NotificationSent
from orderflow.events.contracts.notifications import SentEmail
from orderflow.runtime.ports import Mailer, MailError, StateStore
from orderflow.runtime.relay import OutboxRelay
from orderflow.services.context import outgoing
from orderflow.services.notifications.messages import SENDER
from orderflow.services.ports import OutgoingMail

BATCH: Final = 20


def notification_sent(mail: OutgoingMail, now_ms: int, event_id: str) -> NotificationSent:
    return NotificationSent(
        notification=SentEmail(
            message_id=mail.message_id,
            order_id=mail.order_id,
            kind=mail.kind,  # type: ignore[arg-type]
            to=mail.recipient,
            subject=mail.subject,
        ),
        metadata=Metadata(
            created_at=to_iso(now_ms),
            correlation_id=mail.correlation_id,
            causation_id=mail.causation_id,
            event_id=event_id,
        ),
    )


class MailRelay:
    def __init__(
        self, store: StateStore, mailer: Mailer, clock: Clock, new_id: Callable[[], str]
    ) -> None:
        self._store = store
        self._mailer = mailer
        self._clock = clock
        self._new_id = new_id
        self._relay = OutboxRelay(store, clock)

    def send_pending(self) -> tuple[int, list[str]]:
        """Send what is pending: how many went out, and the errors of those that did not.
        The sent ones are marked, and their NotificationSent published, in one commit."""
        with self._store.reader() as state:
            pending = state.pending_mail(BATCH)
        sent: list[OutgoingMail] = []
        errors: list[str] = []
        for mail in pending:
            try:
                self._mailer.send(mail, SENDER)
            except MailError as exc:
                errors.append(f"{mail.message_id}: {exc}")
                continue
            sent.append(mail)
        if sent:
            now = self._clock.now_ms()
            with self._store.transaction() as state:
                for mail in sent:
                    state.mark_mail_sent(mail.message_id, now)
                state.add_events(
                    [outgoing(notification_sent(mail, now, self._new_id()), now) for mail in sent]
                )
                shared = state.shares_engine_transaction
                self._relay.publish_in(state)
            if not shared:
                self._relay.publish_pending()
        return len(sent), errors
