"""What every queue operation shares: the store, the clock, ids and how a queue is named."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from orderflow.eventbus.clock import Clock
from orderflow.eventbus.context import EngineContext
from orderflow.eventbus.ids import new_uuid
from orderflow.eventbus.model.queues import QueueRecord
from orderflow.eventbus.names import AwsScope, queue_name_from_url
from orderflow.eventbus.ports import EngineStore, StoreTransaction
from orderflow.eventbus.queues.errors import InvalidParameterValue, QueueDoesNotExist

_QUEUE_NAME: Final = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_QUEUE_NAME: Final = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")


def check_queue_name(name: str) -> str:
    """A queue name SQS accepts."""
    if not (_QUEUE_NAME.match(name) or _FIFO_QUEUE_NAME.match(name)):
        raise InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )
    return name


class QueueContext(EngineContext):
    """The engine's queues: shared state of the queue operations."""

    def __init__(
        self,
        store: EngineStore,
        clock: Clock,
        scope: AwsScope | None = None,
        new_id: Callable[[], str] = new_uuid,
    ) -> None:
        super().__init__(store, clock, scope, new_id)
        self.last_sweep: dict[str, int] = {}  # when this process last expired each queue

    @staticmethod
    def name_of(queue: str) -> str:
        """The queue name in a queue URL (or a bare name)."""
        if not queue:
            raise QueueDoesNotExist()
        return queue_name_from_url(queue) if "/" in queue else queue

    @staticmethod
    def existing(tx: StoreTransaction, name: str) -> QueueRecord:
        record = tx.get_queue(name)
        if record is None:
            raise QueueDoesNotExist()
        return record
