"""The worker: one consumer's loop over its queue, on either kind of transport.

On a transport that joins state transactions (the embedded engine), each round waits
(long polling, read-only; on PostgreSQL, for the queue's signal after a receive that
found nothing) until the queue has a visible message, then receives up to 10 and
handles them in **one** state transaction (``runtime.handling``), which also
deletes the handled messages and publishes the events they emitted: receipt, effects,
acknowledgement and publication are one commit, so effects happen exactly once.

On any other transport (the AWS APIs), each round long-polls ReceiveMessage, handles
the batch in one state transaction, and only after it committed deletes the handled
messages and publishes the outbox with PutEvents: deliveries are at least once (a
crash before the delete redelivers), effects still once (the redelivery finds its
claim taken).

Either way the failed messages are made visible again after a backoff (ChangeMessage-
Visibility: ``retry_base_s``, doubled at each receive) and, past the queue's
maxReceiveCount, the queue moves them to its DLQ. Then the mail relay sends what the
handlers wrote (in ``run``, on a thread of its own, so that the next events are
received and handled while the last ones' emails go out); once a second, a sweep
publishes whatever a crashed process left in the outbox.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from orderflow.app import Consumer
from orderflow.errors import OrderflowError
from orderflow.eventbus.clock import Clock
from orderflow.events.registry import BUILTIN, ContractRegistry
from orderflow.runtime.backoff import retry_visibility_s
from orderflow.runtime.handling import HandledBatch, Handling, Read, handle_batch, read_event
from orderflow.runtime.journal import Attempt, Outcome
from orderflow.runtime.mail import MailRelay
from orderflow.runtime.ports import StateStore, StateTransaction
from orderflow.runtime.relay import OutboxRelay
from orderflow.runtime.transport import (
    JoiningTransport,
    Message,
    Transport,
    TransportError,
    joining,
)

log = logging.getLogger("orderflow.worker")

BATCH: Final = 10
SWEEP_INTERVAL_S: Final = 1.0
FIRST_LOOK_AGAIN_S: Final = 0.05
LOOK_AGAIN_S: Final = 1.0
"""Where writers run side by side, a round that received nothing waits for the queue's
signal at most ``FIRST_LOOK_AGAIN_S``, twice as long after each such round, up to
``LOOK_AGAIN_S``: a message whose delay or visibility timeout ends signals nothing, and
neither does one that another process's clock (the database's, as each process reckons
it) made visible a few ms before this one's."""


@dataclass
class RoundReport:
    received: int = 0
    processed: int = 0
    failed: int = 0
    published: int = 0
    mailed: int = 0
    attempts: list[Attempt] = field(default_factory=list)


class Worker:
    def __init__(
        self,
        subscription: Consumer,
        *,
        transport: Transport,
        store: StateStore,
        clock: Clock,
        new_id: Callable[[], str],
        mail: MailRelay | None = None,
        wait_time_s: int = 1,
        retry_base_s: int | None = None,
        contracts: ContractRegistry = BUILTIN,
    ) -> None:
        """``retry_base_s``: the first retry's backoff (default: the consumer's queue
        settings'); ``contracts``: the events its application can read."""
        self.subscription = subscription
        self._transport = transport
        self._joining = joining(transport)
        self._store = store
        self._handling = Handling(subscription, clock, new_id, contracts)
        self._relay = OutboxRelay(store, transport, clock)
        self._mail = mail
        self._wait_time_s = wait_time_s
        self._retry_base_s = (
            subscription.settings.retry_base_s if retry_base_s is None else retry_base_s
        )
        self._last_sweep = 0.0
        self._mail_due = threading.Event()
        self._look_again_s = FIRST_LOOK_AGAIN_S

    # -- the loop ------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; the round in progress finishes first (draining), and
        so does the mail it wrote."""
        log.info("started", extra={"service": self.subscription.name})
        rounds_done = threading.Event()
        mailing = None
        if self._mail is not None:
            mailing = threading.Thread(
                target=self._mail_loop,
                args=(rounds_done,),
                name=f"{self.subscription.name}-mail",
            )
            mailing.start()
        try:
            while not stop.is_set():
                try:
                    self.run_once(mail_inline=mailing is None)
                except TransportError as exc:  # the endpoint is down or refused: say so, wait
                    log.warning("%s", exc, extra={"service": self.subscription.name})
                    stop.wait(1.0)
                except Exception:  # a worker never dies of one bad round: log, pause, go on
                    log.exception("round failed", extra={"service": self.subscription.name})
                    stop.wait(1.0)
        finally:
            rounds_done.set()
            self._mail_due.set()
            if mailing is not None:
                mailing.join()
        log.info("stopped", extra={"service": self.subscription.name})

    def run_once(self, *, mail_inline: bool = True) -> RoundReport:
        """One round: receive, handle, acknowledge, publish; then mail (``mail_inline``),
        or wake the mail thread."""
        report = RoundReport()
        if self._joining is not None:
            self._one_commit_round(self._joining, report)
        else:
            self._at_least_once_round(report)
        sweep_due = time.monotonic() - self._last_sweep >= SWEEP_INTERVAL_S
        if self._mail is not None and (report.processed or sweep_due):
            if mail_inline:
                report.mailed = self._send_mail()
            else:
                self._mail_due.set()
        if sweep_due:  # whatever a crashed process left in the outbox
            self._last_sweep = time.monotonic()
            report.published += self._relay.publish_pending()
        return report

    def _send_mail(self) -> int:
        """Send the mail outbox; how many went out (what did not is logged, and waits)."""
        assert self._mail is not None
        mailed, errors = self._mail.send_pending()
        for error in errors:
            log.warning("mail not sent: %s", error, extra=self._extra(None))
        return mailed

    def _mail_loop(self, rounds_done: threading.Event) -> None:
        """Send mail whenever a round wrote some (and once a second for what is left),
        until the rounds are done; then what the last one wrote."""
        while not rounds_done.is_set():
            self._mail_due.wait(SWEEP_INTERVAL_S)
            self._mail_due.clear()
            self._send_all_mail()
        self._send_all_mail()

    def _send_all_mail(self) -> None:
        """Send until the mail outbox is empty, or the server stops taking mail."""
        try:
            while self._send_mail():
                pass
        except Exception:  # a bad round: the next one tries again
            log.exception("mail round failed", extra={"service": self.subscription.name})

    # -- handling --------------------------------------------------------------------

    def _one_commit_round(self, transport: JoiningTransport, report: RoundReport) -> None:
        """Receive, handle, delete and publish in one state transaction.

        With one writer at a time (SQLite), the round first waits (long polling, read
        only) for a visible message, and reads the events of those visible ahead, before
        the write lock: most are the ones received. Where writers run side by side
        (PostgreSQL), looking first would cost a transaction more, and every process of
        the consumer woken by one commit would look, see the same messages, and then
        find them taken: the round receives at once instead (a receiver skips what
        another holds), and when it found nothing waits for the queue's next signal."""
        queue = self.subscription.queue
        read_ahead: dict[str, Read] = {}
        seen = 0
        if transport.concurrent:
            seen = transport.queue_signal(queue)  # before receiving: no commit slips between
        else:
            visible = transport.peek(queue, max_messages=BATCH, wait_time_s=self._wait_time_s)
            if not visible:
                return
            read_ahead = {
                m.message_id: read_event(m.body, self._handling.contracts) for m in visible
            }

        def settle(state: StateTransaction, done: list[Message]) -> int:
            if not done:  # nothing received (another process took them), or every one failed
                return 0  # and was rolled back: no event of this round's to publish
            transport.within(state).acknowledge(queue, [m.receipt_handle for m in done])
            return self._relay.publish_in(state)

        batch = handle_batch(
            self._store,
            self._handling,
            lambda state: transport.within(state).receive(queue, max_messages=BATCH, wait_time_s=0),
            settle=settle,
            read_ahead=read_ahead,
        )
        if not batch.messages:
            if transport.concurrent:
                transport.wait_for_signal(queue, seen, min(self._wait_time_s, self._look_again_s))
                self._look_again_s = min(2 * self._look_again_s, LOOK_AGAIN_S)
            return
        self._look_again_s = FIRST_LOOK_AGAIN_S
        self._settled(report, batch)
        report.published = batch.settled

    def _at_least_once_round(self, report: RoundReport) -> None:
        """Receive (long polling), handle in one state transaction, and after its commit
        delete what was handled and publish what it emitted."""
        queue = self.subscription.queue
        messages = self._transport.receive(queue, max_messages=BATCH, wait_time_s=self._wait_time_s)
        if not messages:
            return
        batch = handle_batch(self._store, self._handling, lambda _state: messages)
        done = batch.done
        try:
            if done:
                self._transport.acknowledge(queue, [m.receipt_handle for m in done])
        finally:  # journalled and put off by their backoff, even if the delete failed
            self._settled(report, batch)
        try:
            report.published = self._relay.publish_pending()
        except OrderflowError as exc:  # committed and deleted: the next sweep publishes
            log.warning("publishing the outbox failed: %s", exc, extra=self._extra(None))

    def _settled(self, report: RoundReport, batch: HandledBatch) -> None:
        """Journal to the log, count, and put the failed messages off by their backoff."""
        report.received = len(batch.messages)
        report.attempts = batch.attempts
        for attempt in batch.attempts:
            self._log(attempt)
        report.processed = sum(a.outcome is Outcome.PROCESSED for a in batch.attempts)
        failed = batch.failed
        report.failed = len(failed)
        for message, attempt in failed:
            self._transport.change_visibility(
                self.subscription.queue,
                message.receipt_handle,
                retry_visibility_s(attempt.receive_count, self._retry_base_s),
            )

    # -- logging -----------------------------------------------------------------------

    def _extra(self, correlation_id: str | None) -> dict[str, object]:
        return {
            "service": self.subscription.name,
            "consumer": self.subscription.name,
            "correlation_id": correlation_id or "-",
        }

    def _log(self, attempt: Attempt) -> None:
        """A line per delivery; its fields (``extra``) are what a JSON line carries."""
        text = f"{attempt.detail_type or 'message'} {attempt.event_id} {attempt.outcome.value}"
        extra = {
            **self._extra(attempt.correlation_id),
            "event_id": attempt.event_id,
            "detail_type": attempt.detail_type or None,
            "outcome": attempt.outcome.value,
            "duration_ms": attempt.duration_ms,
            "receive_count": attempt.receive_count,
            "error": attempt.error,
        }
        if attempt.outcome is Outcome.FAILED:
            log.warning(
                "%s (receive %d): %s", text, attempt.receive_count, attempt.error, extra=extra
            )
        else:
            log.info(text, extra=extra)
