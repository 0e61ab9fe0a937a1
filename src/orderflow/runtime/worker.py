"""The worker: one consumer's loop over its queue.

Each round waits (long polling, read-only) until the queue has a visible message, then
receives up to 10 and handles them in **one** state transaction, which the store shares
with the engine (the receive is in it too: a round commits once):

1. parse the event (a message that is not a readable event fails, as a poison);
2. the idempotency guard: claim ``(consumer, eventId)``; a claim already taken means a
   redelivery or a replay, acknowledged without effect;
3. the handler: its reads, writes, emitted events (outbox) and emails (mail outbox).

If a handler raises, the transaction is rolled back and run again without that message
(its claim is undone with it): the others commit. Every attempt goes to the journal with
its outcome and error. In the same transaction the handled messages are deleted and the
outbox relay publishes what the handlers emitted: receipt, effects, acknowledgement and
publication are one commit. The failed messages are made visible again after a backoff
(1 s, 2 s, 4 s ...) and, past the queue's maxReceiveCount, the queue moves them to its
DLQ. Then the mail relay sends what the handlers wrote (in ``run``, on a thread of its
own, so that the next events are received and handled while the last ones' emails go
out); once a second, a sweep publishes whatever a crashed process left in the outbox.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from orderflow.eventbus.clock import Clock, to_iso
from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.queues import Queues
from orderflow.eventbus.queues.delivery import ReceivedMessage
from orderflow.events.envelope import Envelope, parse_envelope
from orderflow.events.registry import decode
from orderflow.runtime.backoff import retry_visibility_s
from orderflow.runtime.journal import Attempt, Outcome
from orderflow.runtime.mail import MailRelay
from orderflow.runtime.ports import RuntimeState, StateStore
from orderflow.runtime.relay import OutboxRelay
from orderflow.services.context import HandlerContext
from orderflow.services.subscriptions import Subscription

log = logging.getLogger("orderflow.worker")

MAX_ERROR: Final = 1_000
SWEEP_INTERVAL_S: Final = 1.0


@dataclass
class RoundReport:
    received: int = 0
    processed: int = 0
    failed: int = 0
    published: int = 0
    mailed: int = 0
    attempts: list[Attempt] = field(default_factory=list)


class _HandlerFailed(Exception):
    """A handler failed: its transaction must be rolled back (control flow, never escapes)."""

    def __init__(self, attempt: Attempt) -> None:
        super().__init__(attempt.error)
        self.attempt = attempt


def _read(body: str) -> Envelope | Exception:
    """A message's event, its latest contract read ahead (a handler's own decode then
    finds it cached); or why it cannot be read."""
    try:
        envelope = parse_envelope(body)
    except Exception as exc:  # an unreadable message of any kind: a poison, never a crash
        return exc
    with contextlib.suppress(Exception):
        decode(envelope)  # cached on the envelope; a handler's own decode raises it again
    return envelope


def _handled(attempt: Attempt) -> bool:
    return attempt.outcome is not Outcome.FAILED


class Worker:
    def __init__(
        self,
        subscription: Subscription,
        *,
        queues: Queues,
        store: StateStore,
        clock: Clock,
        new_id: Callable[[], str],
        mail: MailRelay | None = None,
        wait_time_s: int = 1,
        retry_base_s: int = 1,
    ) -> None:
        self.subscription = subscription
        self._queues = queues
        self._store = store
        self._clock = clock
        self._new_id = new_id
        self._relay = OutboxRelay(store, clock)
        self._mail = mail
        self._wait_time_s = wait_time_s
        self._retry_base_s = retry_base_s
        self._last_sweep = 0.0
        self._mail_due = threading.Event()

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
        visible = self._queues.wait_for_messages(
            self.subscription.queue, wait_time_seconds=self._wait_time_s, max_messages=10
        )
        if visible:  # read ahead, before the write lock: most are the ones received
            self._handle(report, {m.message_id: _read(m.body) for m in visible})
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

    def _handle(self, report: RoundReport, read_ahead: dict[str, Envelope | Exception]) -> None:
        """Receive a batch and handle it in one transaction, which also deletes the handled
        messages and publishes the events they emitted (the store shares the engine's
        transactions): effects, receipt, acknowledgement and publication, one commit.

        Handlers run optimistically, with no savepoint each: when one fails, the whole
        transaction is rolled back (the receive with it) and run again without that
        message, which is then received but not deleted (failures are rare; savepoints
        would cost two statements for every message)."""
        failures: dict[str, Attempt] = {}
        envelopes = read_ahead
        queue = self.subscription.queue
        while True:
            try:
                with self._store.transaction() as state:
                    messages = state.receive(queue, 10)
                    for message in messages:
                        read = envelopes.get(message.message_id)
                        if read is None:
                            read = envelopes[message.message_id] = _read(message.body)
                        if not isinstance(read, Envelope) and message.message_id not in failures:
                            failures[message.message_id] = self._unreadable(message, read)
                    attempts = [
                        failures.get(message.message_id)
                        or self._attempt(state, message, envelopes[message.message_id])
                        for message in messages
                    ]
                    done = [m for m, a in zip(messages, attempts, strict=True) if _handled(a)]
                    state.record_attempts(attempts)
                    if done:
                        state.acknowledge(queue, [m.receipt_handle for m in done])
                    report.published = self._relay.publish_in(state)
                break
            except _HandlerFailed as failure:  # rolled back: again, without that message
                failures[failure.attempt.message_id] = failure.attempt
        report.received = len(messages)
        report.attempts = attempts
        failed = [
            (m, a.receive_count) for m, a in zip(messages, attempts, strict=True) if not _handled(a)
        ]
        for attempt in report.attempts:
            self._log(attempt)
        report.processed = sum(a.outcome is Outcome.PROCESSED for a in report.attempts)
        report.failed = len(failed)
        for message, receive_count in failed:
            # AwsError: its visibility ran out meanwhile, so it is back already.
            with contextlib.suppress(AwsError):
                self._queues.change_message_visibility(
                    queue,
                    message.receipt_handle,
                    retry_visibility_s(receive_count, self._retry_base_s),
                )

    def _unreadable(self, message: ReceivedMessage, error: Exception) -> Attempt:
        return Attempt(
            consumer=self.subscription.name,
            message_id=message.message_id,
            event_id=message.message_id,
            correlation_id=message.message_id,
            causation_id=None,
            source="",
            detail_type="",
            receive_count=int(message.attributes.get("ApproximateReceiveCount", "1")),
            outcome=Outcome.FAILED,
            error=f"{type(error).__name__}: {error}"[:MAX_ERROR],
            started_ms=self._clock.now_ms(),
            duration_ms=0.0,
        )

    def _attempt(
        self, state: RuntimeState, message: ReceivedMessage, read: Envelope | Exception
    ) -> Attempt:
        started = self._clock.now_ms()
        t0 = time.perf_counter()
        receive_count = int(message.attributes.get("ApproximateReceiveCount", "1"))
        envelope = read if isinstance(read, Envelope) else None
        error: str | None = None
        if envelope is None:  # not a readable event: a poison message
            outcome, error = Outcome.FAILED, f"{type(read).__name__}: {read}"
        else:
            try:
                outcome = self._dispatch(state, envelope, started)
            except Exception as exc:  # a poison event or a handler's bug: journal it, go on
                outcome, error = Outcome.FAILED, f"{type(exc).__name__}: {exc}"
        attempt = Attempt(
            consumer=self.subscription.name,
            message_id=message.message_id,
            event_id=envelope.event_id if envelope else message.message_id,
            correlation_id=envelope.correlation_id if envelope else message.message_id,
            causation_id=envelope.causation_id if envelope else None,
            source=envelope.source if envelope else "",
            detail_type=envelope.detail_type if envelope else "",
            receive_count=receive_count,
            outcome=outcome,
            error=error[:MAX_ERROR] if error else None,
            started_ms=started,
            duration_ms=round((time.perf_counter() - t0) * 1000, 3),
        )
        if attempt.outcome is Outcome.FAILED:
            raise _HandlerFailed(attempt)
        return attempt

    def _dispatch(self, state: RuntimeState, envelope: Envelope, now_ms: int) -> Outcome:
        handler = self.subscription.handlers.get(envelope.detail_type)
        if handler is None:
            return Outcome.IGNORED
        if not state.claim(self.subscription.name, envelope.event_id, now_ms):
            return Outcome.DUPLICATE
        context = HandlerContext(
            consumer=self.subscription.name,
            state=state,
            cause=envelope,
            now_ms=now_ms,
            now_iso=to_iso(now_ms),
            new_id=self._new_id,
        )
        handler(context, envelope)
        return Outcome.PROCESSED

    # -- logging -----------------------------------------------------------------------

    def _extra(self, correlation_id: str | None) -> dict[str, str]:
        return {"service": self.subscription.name, "correlation_id": correlation_id or "-"}

    def _log(self, attempt: Attempt) -> None:
        text = f"{attempt.detail_type or 'message'} {attempt.event_id} {attempt.outcome.value}"
        if attempt.outcome is Outcome.FAILED:
            log.warning(
                "%s (receive %d): %s",
                text,
                attempt.receive_count,
                attempt.error,
                extra=self._extra(attempt.correlation_id),
            )
        else:
            log.info(text, extra=self._extra(attempt.correlation_id))
