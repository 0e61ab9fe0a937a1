"""``Subscription``: a consumer's queue, the rule that feeds it and its handlers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orderflow.events.envelope import Envelope
from orderflow.services.context import HandlerContext

Handler = Callable[[HandlerContext, Envelope], None]


@dataclass(frozen=True)
class Subscription:
    """A consumer: ``name`` is also its queue's (its DLQ is ``name-dlq``)."""

    name: str
    description: str
    pattern: Mapping[str, Any]
    handlers: Mapping[str, Handler]
    """detail-type → handler; an event of another detail-type is acknowledged unhandled."""

    @property
    def queue(self) -> str:
        return self.name

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}-dlq"
