"""``Engine``: EventBridge and SQS together on one store, sharing one clock and scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from orderflow.eventbus.bus import EventBridge
from orderflow.eventbus.clock import Clock, SystemClock
from orderflow.eventbus.ids import new_uuid
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.ports import EngineStore
from orderflow.eventbus.queues import Queues

if TYPE_CHECKING:
    from orderflow.eventbus.apis import AwsApis


class Engine:
    """The embedded EventBridge + SQS engine.

    ``engine.events`` has the EventBridge operations, ``engine.sqs`` the SQS ones;
    both work on ``store`` (which the caller opened and closes). It is an ``AwsApis``
    (``eventbus.apis``), what the topology file is planned and applied against.
    """

    def __init__(
        self,
        store: EngineStore,
        clock: Clock | None = None,
        scope: AwsScope | None = None,
        new_id: Callable[[], str] = new_uuid,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.scope = scope or AwsScope()
        self.events = EventBridge(store, self.clock, self.scope, new_id)
        self.sqs = Queues(store, self.clock, self.scope, new_id)


if TYPE_CHECKING:

    def _is_aws_apis(engine: Engine) -> AwsApis:
        """Never called: mypy checks here that the engine has every operation of ``AwsApis``
        (the ports ``topology_file`` plans and applies against)."""
        return engine
