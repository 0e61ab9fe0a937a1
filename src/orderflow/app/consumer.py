"""``Consumer``: a queue of its own, the rule that feeds it, its queue's settings and its
handlers, one per detail-type."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from orderflow.app.context import ORDERS_BUS, Context
from orderflow.app.errors import ConsumerDeclarationError
from orderflow.events.envelope import Envelope

Handler = Callable[[Envelope, Context], None]
"""``handler(event, ctx)``: what a consumer does with one event (raise to fail it: it is
retried after a backoff, then moved to the consumer's DLQ)."""

NAME: Final = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
"""A consumer's name is its queue's and its rule's: SQS allows 80 characters, the DLQ
adds ``-dlq``, and a rule's name 64."""


@dataclass(frozen=True)
class QueueSettings:
    """A consumer's queue: how long a received message stays invisible while it is handled
    (``visibility_timeout_s``), how many receives before it moves to the DLQ
    (``max_receive_count``), the DLQ's name (default ``NAME-dlq``) and how long it keeps
    messages, and the retry backoff: a failed message is visible again after
    ``retry_base_s``, doubled at each receive."""

    visibility_timeout_s: int = 30
    max_receive_count: int = 3
    dead_letter_queue: str | None = None
    dlq_retention_s: int = 1_209_600
    retry_base_s: int = 1

    def __post_init__(self) -> None:
        checks = (
            (0 <= self.visibility_timeout_s <= 43_200, "visibility_timeout_s: 0 to 43200"),
            (1 <= self.max_receive_count <= 1_000, "max_receive_count: 1 to 1000"),
            (60 <= self.dlq_retention_s <= 1_209_600, "dlq_retention_s: 60 to 1209600"),
            (0 <= self.retry_base_s <= 43_200, "retry_base_s: 0 to 43200"),
        )
        wrong = [what for fine, what in checks if not fine]
        if wrong:
            raise ConsumerDeclarationError(f"Queue settings out of range: {'; '.join(wrong)}.")


@dataclass
class Consumer:
    """A consumer ``name`` (also its queue's and its rule's): the events its rule routes
    from ``bus`` to its queue (``pattern``, an EventBridge event pattern), and
    ``handlers``: detail-type → handler (an event of another detail-type is acknowledged
    unhandled). Handlers can be given here or added with ``@consumer.on(...)``."""

    name: str
    pattern: Mapping[str, Any]
    handlers: dict[str, Handler] = field(default_factory=dict)
    description: str = ""
    bus: str = ORDERS_BUS
    settings: QueueSettings = field(default_factory=QueueSettings)

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ConsumerDeclarationError(
                f"{self.name!r}: a consumer's name is 1 to 60 letters, digits, - or _ "
                "(it names its queue and its rule)."
            )
        if not self.pattern:
            raise ConsumerDeclarationError(f"{self.name}: a consumer needs an event pattern.")

    def on(self, *detail_types: str) -> Callable[[Handler], Handler]:
        """A decorator: the function handles events of these detail-types."""
        if not detail_types:
            raise ConsumerDeclarationError(f"{self.name}: on() needs a detail-type.")

        def register(handler: Handler) -> Handler:
            for detail_type in detail_types:
                if detail_type in self.handlers:
                    raise ConsumerDeclarationError(
                        f"{self.name}: {detail_type} events have a handler already."
                    )
                self.handlers[detail_type] = handler
            return handler

        return register

    @property
    def queue(self) -> str:
        return self.name

    @property
    def dead_letter_queue(self) -> str:
        return self.settings.dead_letter_queue or f"{self.name}-dlq"
