"""SQS-style queues with SQS's semantics, limits and error wording, on an engine store.

``Queues`` offers the SQS operations (CreateQueue ... StartMessageMoveTask) over
any ``EngineStore``: the SQLite file for real use, memory for fast tests; and, for
consumers in the same process as the engine, ``wait_for_messages`` (long polling without
receiving) and ``receive_message_in`` / ``delete_message_batch_in`` (inside the caller's
transaction).
"""

from orderflow.eventbus.queues.admin import QueueAdmin
from orderflow.eventbus.queues.batches import BatchFailure, BatchResult
from orderflow.eventbus.queues.delivery import (
    Delivery,
    ReceivedMessage,
    SentMessage,
    VisibleMessage,
)
from orderflow.eventbus.queues.redrive import Redrive


class Queues(QueueAdmin, Delivery, Redrive):
    """Every SQS operation on the engine's queues."""


__all__ = [
    "BatchFailure",
    "BatchResult",
    "Queues",
    "ReceivedMessage",
    "SentMessage",
    "VisibleMessage",
]
