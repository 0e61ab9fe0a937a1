"""The mail relay: send the mail outbox, then record each send and announce it.

An email is marked sent (and its announcement, NotificationSent, put in the outbox)
only after the mail server accepted it; marking is conditional, so two relays racing
announce an email once. A crash between acceptance and the mark sends it again on
restart with the same Message-ID, which the embedded mail sink (and most mail clients)
treat as the same message. When the server cannot be reached, the round stops and the
outbox waits for the next one; an email the server refuses for good (a 5xx answer, an
address that cannot be written) is retried a few times, then left for an operator, so
that it never blocks the emails behind it. Either way the email keeps the last error
(``orderflow mail outbox``), and only a refusal counts towards giving up on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from orderflow.eventbus.clock import Clock
from orderflow.events.contracts import Contract
from orderflow.runtime.ports import Mailer, MailError, StateStore
from orderflow.runtime.relay import OutboxRelay
from orderflow.services.context import outgoing
from orderflow.services.ports import OutgoingMail

BATCH: Final = 20

Announcement = Callable[[OutgoingMail, int], Contract]
"""The event that says an email went out, given the email and the time."""


class MailRelay:
    def __init__(
        self,
        store: StateStore,
        mailer: Mailer,
        clock: Clock,
        *,
        sender: str,
        announce: Announcement,
    ) -> None:
        self._store = store
        self._mailer = mailer
        self._clock = clock
        self._sender = sender
        self._announce = announce
        self._relay = OutboxRelay(store, clock)

    def send_pending(self) -> tuple[int, list[str]]:
        """Send what is pending: how many went out, and the errors of those that did not."""
        with self._store.reader() as state:
            pending = state.pending_mail(BATCH)
        sent: list[OutgoingMail] = []
        failed: list[tuple[OutgoingMail, MailError]] = []
        try:
            for mail in pending:
                try:
                    self._mailer.send(mail, self._sender)
                except MailError as exc:
                    failed.append((mail, exc))
                    if not exc.permanent:
                        break  # the server is unreachable: the rest waits for it
                    continue
                sent.append(mail)
        finally:  # what the server accepted is recorded, whatever happened after
            if sent or failed:
                self._record(sent, failed)
        return len(sent), [f"{mail.message_id}: {exc}" for mail, exc in failed]

    def _record(
        self, sent: list[OutgoingMail], failed: list[tuple[OutgoingMail, MailError]]
    ) -> None:
        """Mark what went out and announce it; keep each error with its email (only a
        refusal for good counts towards giving up on it)."""
        now = self._clock.now_ms()
        with self._store.transaction() as state:
            for mail, error in failed:
                state.mark_mail_failed(mail.message_id, str(error), refused=error.permanent)
            announced = [mail for mail in sent if state.mark_mail_sent(mail.message_id, now)]
            state.add_events([outgoing(self._announce(mail, now), now) for mail in announced])
            shared = state.shares_engine_transaction
            self._relay.publish_in(state)
        if not shared:
            self._relay.publish_pending()
