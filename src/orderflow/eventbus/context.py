"""``EngineContext``: what every EventBridge and SQS operation shares: the store, the
clock, the account and region (``scope``) and how ids are made."""

from __future__ import annotations

from collections.abc import Callable

from orderflow.eventbus.clock import Clock
from orderflow.eventbus.ids import new_uuid
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.ports import EngineStore


class EngineContext:
    def __init__(
        self,
        store: EngineStore,
        clock: Clock,
        scope: AwsScope | None = None,
        new_id: Callable[[], str] = new_uuid,
    ) -> None:
        self.store = store
        self.clock = clock
        self.scope = scope or AwsScope()
        self.new_id = new_id
