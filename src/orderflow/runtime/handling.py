"""The handling core: a batch of messages handled in one state transaction.

What every carrier of messages shares (the worker on either transport, and an AWS
Lambda handler given an SQS batch), as plain functions of a store, a consumer and
the messages:

1. parse the event (a message that is not a readable event fails, as a poison);
2. the idempotency guard: claim ``(consumer, eventId)``; a claim already taken means a
   redelivery or a replay, acknowledged without effect;
3. the handler: its reads, writes, emitted events (outbox) and emails (mail outbox);
4. the journal: every attempt, with its outcome and error.

Handlers run optimistically, with no savepoint each: when one fails, the whole
transaction is rolled back and run again without that message (its claim is undone
with it), so the others commit and the failed one leaves no effect but its journal
entry (failures are rare; savepoints would cost two statements for every message).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from orderflow.app import Consumer, Context
from orderflow.eventbus.clock import Clock, to_iso
from orderflow.eventbus.errors import StoreError
from orderflow.events.envelope import Envelope, parse_envelope
from orderflow.events.registry import BUILTIN, ContractRegistry
from orderflow.runtime.conflicts import again_on_conflict
from orderflow.runtime.counting import attempt_increments
from orderflow.runtime.journal import Attempt, Outcome
from orderflow.runtime.ports import StateStore, StateTransaction, UnitOfWork
from orderflow.runtime.transport import Message

MAX_ERROR: Final = 1_000
"""The longest error text the journal keeps."""

Read = Envelope | Exception
"""A message's event, or why it cannot be read."""


def read_event(body: str, contracts: ContractRegistry = BUILTIN) -> Read:
    """A message's event, its latest contract (of ``contracts``) read ahead (a handler's
    own decode then finds it cached); or why it cannot be read."""
    try:
        envelope = parse_envelope(body)
    except Exception as exc:  # an unreadable message of any kind: a poison, never a crash
        return exc
    with contextlib.suppress(Exception):
        contracts.decode(envelope)  # cached on the envelope; a handler's own decode raises it again
    return envelope


def handled(attempt: Attempt) -> bool:
    """Whether the message is done with (processed, a duplicate or of no interest)."""
    return attempt.outcome is not Outcome.FAILED


@dataclass(frozen=True)
class Handling:
    """What handling needs besides the messages: the consumer, time, ids, and the event
    contracts its application knows (the built-in ones and its own)."""

    subscription: Consumer
    clock: Clock
    new_id: Callable[[], str]
    contracts: ContractRegistry = BUILTIN

    def attempt(self, unit: UnitOfWork, message: Message, read: Read) -> Attempt:
        """Handle one message in ``unit``; what came of it (a failure is returned, not
        raised: the caller must then roll ``unit`` back)."""
        started = self.clock.now_ms()
        t0 = time.perf_counter()
        envelope = read if isinstance(read, Envelope) else None
        error: str | None = None
        if envelope is None:  # not a readable event: a poison message
            outcome, error = Outcome.FAILED, f"{type(read).__name__}: {read}"
        else:
            try:
                outcome = self._dispatch(unit, envelope, started)
            except StoreError:
                raise  # the store's failure, not the message's: the whole batch's
            except Exception as exc:  # a poison event or a handler's bug: journal it, go on
                outcome, error = Outcome.FAILED, f"{type(exc).__name__}: {exc}"
        return Attempt(
            consumer=self.subscription.name,
            message_id=message.message_id,
            event_id=envelope.event_id if envelope else message.message_id,
            correlation_id=envelope.correlation_id if envelope else message.message_id,
            causation_id=envelope.causation_id if envelope else None,
            source=envelope.source if envelope else "",
            detail_type=envelope.detail_type if envelope else "",
            receive_count=message.receive_count,
            outcome=outcome,
            error=error[:MAX_ERROR] if error else None,
            started_ms=started,
            duration_ms=round((time.perf_counter() - t0) * 1000, 3),
        )

    def _dispatch(self, unit: UnitOfWork, envelope: Envelope, now_ms: int) -> Outcome:
        handler = self.subscription.handlers.get(envelope.detail_type)
        if handler is None:
            return Outcome.IGNORED
        if not unit.claim(self.subscription.name, envelope.event_id, now_ms):
            return Outcome.DUPLICATE
        context = Context(
            consumer=self.subscription.name,
            state=unit,
            cause=envelope,
            now_ms=now_ms,
            now_iso=to_iso(now_ms),
            new_id=self.new_id,
            contracts=self.contracts,
        )
        handler(envelope, context)
        return Outcome.PROCESSED


@dataclass(frozen=True)
class HandledBatch:
    """A committed batch: the messages, what came of each (in order), and what the
    ``settle`` step returned."""

    messages: list[Message]
    attempts: list[Attempt]
    settled: int = 0

    @property
    def done(self) -> list[Message]:
        """The messages to acknowledge."""
        return [m for m, a in zip(self.messages, self.attempts, strict=True) if handled(a)]

    @property
    def failed(self) -> list[tuple[Message, Attempt]]:
        """The messages to retry after a backoff, with their attempt."""
        return [(m, a) for m, a in zip(self.messages, self.attempts, strict=True) if not handled(a)]


class _Failed(Exception):
    """A handler failed: its transaction must be rolled back (control flow, never escapes)."""

    def __init__(self, attempt: Attempt) -> None:
        super().__init__(attempt.error)
        self.attempt = attempt


def handle_batch(
    store: StateStore,
    handling: Handling,
    receive: Callable[[StateTransaction], Sequence[Message]],
    *,
    settle: Callable[[StateTransaction, list[Message]], int] | None = None,
    read_ahead: Mapping[str, Read] | None = None,
) -> HandledBatch:
    """Handle a batch in one state transaction, which commits every handled message's
    effects and the journal of every attempt, failed ones included.

    ``receive`` gives the messages inside the transaction (a joining transport receives
    them there; otherwise they were received before). ``settle`` runs last in it with
    the messages done (a joining transport deletes them and publishes the outbox there:
    receipt, effects, acknowledgement and publication in one commit); its result is
    ``HandledBatch.settled``. ``read_ahead``: events already read, by message id.
    """
    reads: dict[str, Read] = dict(read_ahead or {})
    failures: dict[str, Attempt] = {}

    def attempt(state: StateTransaction, message: Message) -> Attempt:
        known = failures.get(message.message_id)
        if known is not None:
            return known
        read = reads.get(message.message_id)
        if read is None:
            read = reads[message.message_id] = read_event(message.body, handling.contracts)
        outcome = handling.attempt(state, message, read)
        if not handled(outcome):
            if isinstance(read, Envelope):  # a handler ran: undo what it did
                raise _Failed(outcome)
            failures[message.message_id] = outcome  # no handler ran: nothing to undo
        return outcome

    def once() -> HandledBatch:
        with store.transaction() as state:
            messages = list(receive(state))
            attempts = [attempt(state, message) for message in messages]
            state.record_attempts(attempts)
            state.add_to_counters(attempt_increments(attempts))
            batch = HandledBatch(messages, attempts)
            settled = settle(state, batch.done) if settle is not None else 0
        return HandledBatch(messages, attempts, settled)

    while True:
        try:
            return again_on_conflict(once)
        except _Failed as failure:  # rolled back: again, without that message
            failures[failure.attempt.message_id] = failure.attempt
