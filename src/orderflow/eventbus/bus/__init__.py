"""EventBridge with its semantics, limits and error wording, on an engine store.

``EventBridge`` offers the operations (CreateEventBus ... CancelReplay, and tags) over any
``EngineStore``; ``FunctionDispatcher`` runs function targets with retries.
"""

from __future__ import annotations

from collections.abc import Callable

from orderflow.eventbus.bus.admin import FailedEntry
from orderflow.eventbus.bus.functions import DispatchReport, Function, FunctionDispatcher
from orderflow.eventbus.bus.listing import Listing
from orderflow.eventbus.bus.put_events import EntryResult, PutEvents, PutEventsResult
from orderflow.eventbus.bus.tags import ResourceTags
from orderflow.eventbus.bus.topology import Topology
from orderflow.eventbus.clock import Clock
from orderflow.eventbus.ids import new_uuid
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.ports import EngineStore


class EventBridge(Listing, PutEvents, ResourceTags):
    """Every EventBridge operation on the engine's buses."""

    def __init__(
        self,
        store: EngineStore,
        clock: Clock,
        scope: AwsScope | None = None,
        new_id: Callable[[], str] = new_uuid,
    ) -> None:
        super().__init__(store, clock, scope, new_id)
        self.topology = Topology(self.scope)


__all__ = [
    "DispatchReport",
    "EntryResult",
    "EventBridge",
    "FailedEntry",
    "Function",
    "FunctionDispatcher",
    "PutEventsResult",
]
