"""``InEngineTransaction``: the part of a ``RuntimeState`` that a store sharing the
engine's transactions implements the same way, whatever keeps its own tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orderflow.eventbus.bus import PutEventsResult
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.queues.delivery import ReceivedMessage


class InEngineTransaction:
    """ReceiveMessage, PutEvents and DeleteMessageBatch inside the engine transaction
    ``tx``."""

    def __init__(self, engine: Engine, tx: StoreTransaction) -> None:
        self._engine = engine
        self._tx = tx

    @property
    def shares_engine_transaction(self) -> bool:
        return True

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> PutEventsResult:
        return self._engine.events.put_events_in(self._tx, entries)

    def receive(self, queue: str, max_messages: int) -> list[ReceivedMessage]:
        return self._engine.sqs.receive_message_in(
            self._tx,
            queue,
            max_messages=max_messages,
            attribute_names=["ApproximateReceiveCount"],
        )

    def acknowledge(self, queue: str, receipt_handles: Sequence[str]) -> None:
        self._engine.sqs.delete_message_batch_in(
            self._tx,
            queue,
            [{"Id": str(n), "ReceiptHandle": h} for n, h in enumerate(receipt_handles)],
        )
