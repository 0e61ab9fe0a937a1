"""The mail relay: send the mail outbox, then record each send and announce it.

Each round leases the emails it sends (``lease_mail``), so that relays in many processes
(several notification workers on one PostgreSQL database) send each email once, not each
of them every email; what a round did not send is handed back at its end.

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

from orderflow.app import OutgoingMail
from orderflow.app.context import outgoing
from orderflow.eventbus.clock import Clock
from orderflow.events.contracts import Contract
from orderflow.runtime.conflicts import again_on_conflict
from orderflow.runtime.ports import Mailer, MailError, StateStore
from orderflow.runtime.relay import OutboxRelay

BATCH: Final = 20
LEASE_MS: Final = 15_000
"""How long a relay holds the emails it is sending: longer than a round of ``BATCH``
sends takes (past it, another relay may send them again: the same Message-ID), and as
long as a killed relay's emails wait for another."""
FIRST_PAUSE_MS: Final = 1_000
LONGEST_PAUSE_MS: Final = 60_000
"""After a transient failure the relay pauses, 1 s then twice as long each time up to a
minute: a relay that refuses a login may lock the account of a client that insists."""

Announcement = Callable[[OutgoingMail, int], Contract]
"""The event that says an email went out, given the email and the time."""


class MailRelay:
    def __init__(
        self,
        store: StateStore,
        relay: OutboxRelay,
        mailer: Mailer,
        clock: Clock,
        *,
        sender: str,
        announce: Announcement,
    ) -> None:
        self._store = store
        self._relay = relay
        self._mailer = mailer
        self._clock = clock
        self._sender = sender
        self._announce = announce
        self._paused_until_ms = 0
        self._pause_ms = 0
        self._noted: tuple[str, str] | None = None
        """The last transient error kept with its email (Message-ID, text)."""

    def send_pending(self) -> tuple[int, list[str]]:
        """Send what is pending: how many went out, and the errors of those that did not.
        Nothing is tried while paused after a transient failure."""
        if self._clock.now_ms() < self._paused_until_ms:
            return 0, []
        with self._store.reader() as state:  # most rounds find nothing: no write for them
            if not state.pending_mail(1):
                return 0, []
        pending = again_on_conflict(self._lease)
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
            self._pace(failed)
            noted = [(mail, exc) for mail, exc in failed if self._worth_noting(mail, exc)]
            done = {mail.message_id for mail in sent}
            unsent = [mail.message_id for mail in pending if mail.message_id not in done]
            if sent or noted or unsent:
                self._record(sent, noted, unsent)
        return len(sent), [f"{mail.message_id}: {exc}" for mail, exc in failed]

    def _lease(self) -> list[OutgoingMail]:
        """The emails this round sends: held from the other relays for ``LEASE_MS``."""
        with self._store.transaction() as state:
            return state.lease_mail(BATCH, self._clock.now_ms(), LEASE_MS)

    def _pace(self, failed: list[tuple[OutgoingMail, MailError]]) -> None:
        """Pause after a transient failure, longer each time; resume at full pace after
        a round without one."""
        if any(not exc.permanent for _, exc in failed):
            self._pause_ms = min(max(FIRST_PAUSE_MS, 2 * self._pause_ms), LONGEST_PAUSE_MS)
            self._paused_until_ms = self._clock.now_ms() + self._pause_ms
        else:
            self._pause_ms = 0

    def _worth_noting(self, mail: OutgoingMail, error: MailError) -> bool:
        """A refusal always (it counts); a transient error only when it is not the one
        last kept (a server down for an hour is not a write per round)."""
        if error.permanent:
            return True
        noted = (mail.message_id, str(error))
        if noted == self._noted:
            return False
        self._noted = noted
        return True

    def _record(
        self,
        sent: list[OutgoingMail],
        failed: list[tuple[OutgoingMail, MailError]],
        unsent: list[str],
    ) -> None:
        """Mark what went out and announce it; keep each error with its email (only a
        refusal for good counts towards giving up on it); hand the ``unsent`` back."""
        now = self._clock.now_ms()

        def once() -> None:
            with self._relay.transaction() as state:  # the announcements published with it
                state.release_mail(unsent)
                for mail, error in failed:
                    state.mark_mail_failed(mail.message_id, str(error), permanent=error.permanent)
                announced = [mail for mail in sent if state.mark_mail_sent(mail.message_id, now)]
                state.add_events([outgoing(self._announce(mail, now), now) for mail in announced])

        again_on_conflict(once)
