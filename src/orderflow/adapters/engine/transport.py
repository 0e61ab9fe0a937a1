"""``InEngineTransport``: the embedded engine's SQS and EventBridge as a joining transport.

On its own, each operation is an engine call in a transaction of its own. ``within``
a state transaction of a store that shares the engine's (``EngineBound``), the same
operations run in that transaction: a worker's receive, effects, delete and the outbox's
PutEvents then commit once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

from orderflow.eventbus.bus import PutEventsResult
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.model.counters import CounterKey, Increments
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.queues.delivery import ReceivedMessage
from orderflow.runtime.transport import Message, PublishedEntry, Transport, TransportError

RECEIVE_COUNT: Final = "ApproximateReceiveCount"


class EngineBound:
    """A state transaction that is also an engine transaction (``engine_transaction``),
    when it has an ``engine`` (a SQLite state store beside a remote transport has none)."""

    def __init__(self, engine: Engine | None, tx: StoreTransaction) -> None:
        self.engine = engine
        self.engine_transaction = tx

    def add_to_counters(self, increments: Increments) -> None:
        """The consumers' counters live beside the engine's, in the same transaction."""
        self.engine_transaction.add_to_counters(increments)

    def counters(self) -> dict[CounterKey, float]:
        return self.engine_transaction.counters()


def _message(received: ReceivedMessage) -> Message:
    return Message(
        received.message_id,
        received.receipt_handle,
        received.body,
        int(received.attributes.get(RECEIVE_COUNT, "1")),
    )


def _entries(entries: Sequence[Mapping[str, Any]], put: Any) -> list[PublishedEntry]:
    try:
        result: PutEventsResult = put(entries)
    except AwsError as exc:
        raise TransportError(str(exc), code=exc.code) from exc
    return [PublishedEntry(e.event_id, e.error_code, e.error_message) for e in result.entries]


def _deletions(receipt_handles: Sequence[str]) -> list[dict[str, str]]:
    return [{"Id": str(n), "ReceiptHandle": h} for n, h in enumerate(receipt_handles)]


class InEngineTransport:
    """The engine's queues and buses, each call its own transaction; ``within`` a state
    transaction, in that one."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.concurrent = engine.store.concurrent_writers

    def receive(self, queue: str, *, max_messages: int, wait_time_s: int) -> list[Message]:
        received = self._engine.sqs.receive_message(
            queue,
            max_messages=max_messages,
            wait_time_seconds=wait_time_s,
            attribute_names=[RECEIVE_COUNT],
        )
        return [_message(m) for m in received]

    def peek(self, queue: str, *, max_messages: int, wait_time_s: int) -> list[Message]:
        """The visible messages (no receipt handle: they are not received)."""
        visible = self._engine.sqs.wait_for_messages(
            queue, wait_time_seconds=wait_time_s, max_messages=max_messages
        )
        return [Message(m.message_id, "", m.body) for m in visible]

    def queue_signal(self, queue: str) -> int:
        return self._engine.sqs.queue_signal(queue)

    def wait_for_signal(self, queue: str, seen: int, timeout_s: float) -> None:
        self._engine.sqs.wait_for_signal(queue, seen, timeout_s)

    def acknowledge(self, queue: str, receipt_handles: Sequence[str]) -> None:
        if receipt_handles:
            self._engine.sqs.delete_message_batch(queue, _deletions(receipt_handles))

    def change_visibility(self, queue: str, receipt_handle: str, timeout_s: int) -> None:
        with contextlib.suppress(AwsError):  # visible again already, or gone: nothing to do
            self._engine.sqs.change_message_visibility(queue, receipt_handle, timeout_s)

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> list[PublishedEntry]:
        return _entries(entries, self._engine.events.put_events)

    def within(self, state: object) -> Transport:
        if not isinstance(state, EngineBound) or state.engine is not self._engine:
            raise TypeError(
                "This state transaction is not one of this engine's: the in-engine transport "
                "needs the state store that shares the engine's transactions."
            )
        return _Joined(self._engine, state.engine_transaction)


class _Joined:
    """The engine's operations inside one transaction (receives never wait)."""

    def __init__(self, engine: Engine, tx: StoreTransaction) -> None:
        self._engine = engine
        self._tx = tx

    def receive(self, queue: str, *, max_messages: int, wait_time_s: int = 0) -> list[Message]:
        received = self._engine.sqs.receive_message_in(
            self._tx, queue, max_messages=max_messages, attribute_names=[RECEIVE_COUNT]
        )
        return [_message(m) for m in received]

    def acknowledge(self, queue: str, receipt_handles: Sequence[str]) -> None:
        if receipt_handles:
            self._engine.sqs.delete_message_batch_in(self._tx, queue, _deletions(receipt_handles))

    def change_visibility(self, queue: str, receipt_handle: str, timeout_s: int) -> None:
        with contextlib.suppress(AwsError):
            self._engine.sqs.change_message_visibility_in(
                self._tx, queue, receipt_handle, timeout_s
            )

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> list[PublishedEntry]:
        return _entries(entries, lambda e: self._engine.events.put_events_in(self._tx, e))
