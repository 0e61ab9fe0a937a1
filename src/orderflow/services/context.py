"""Where the services' code runs: a ``Context`` for a consumer's handler (the public API's,
``orderflow.app``), a ``CommandContext`` for a command (see ``services.orders.commands``)."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.app.context import ORDERS_BUS, BaseContext, HandlerContext, outgoing
from orderflow.events.contracts import Metadata

__all__ = ["ORDERS_BUS", "CommandContext", "HandlerContext", "outgoing"]


@dataclass(frozen=True)
class CommandContext(BaseContext):
    """Where a command runs, and the journey it belongs to (None: a new one)."""

    correlation_id: str | None = None

    def metadata(self, correlation_id: str) -> Metadata:
        return Metadata(
            created_at=self.now_iso, correlation_id=correlation_id, event_id=self.new_id()
        )
