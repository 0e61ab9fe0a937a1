"""``App``: what an application declares — its consumers and its event contracts — and
the topology they need, in the format of ``orderflow apply``.

orderflow's own five services are one such application (``services.builtin``); a team's
application is loaded beside it (``orderflow up --app module:app``) and runs the same way:
a supervised process per consumer, its queue, DLQ and rule installed, its events traced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from orderflow.app.consumer import Consumer, Handler, QueueSettings
from orderflow.app.context import ORDERS_BUS
from orderflow.app.errors import AppError, DuplicateConsumer
from orderflow.events.contracts import Contract
from orderflow.events.declaration import EventContract, Upcaster


class App:
    """An application ``name``: its consumers (by name), its event contracts, the buses it
    owns (declares; by default none: its rules refer to buses that exist, ``orders``
    among them) and any further ``rules`` and ``archives`` it owns, as in a topology file."""

    def __init__(
        self,
        name: str,
        *,
        consumers: Iterable[Consumer] = (),
        contracts: Iterable[EventContract] = (),
        buses: Mapping[str, str] | None = None,
        rules: Mapping[str, Mapping[str, Any]] | None = None,
        archives: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        if not name:
            raise AppError("An application needs a name (it marks what it owns).")
        self.name = name
        self.consumers: dict[str, Consumer] = {}
        self.contracts: list[EventContract] = []
        self.buses: dict[str, str] = dict(buses or {})
        self.rules: dict[str, Mapping[str, Any]] = dict(rules or {})
        self.archives: dict[str, Mapping[str, Any]] = dict(archives or {})
        for consumer in consumers:
            self.add(consumer)
        for contract in contracts:
            self.contracts.append(contract)

    def __repr__(self) -> str:
        return f"App({self.name!r}, consumers={list(self.consumers)})"

    def add(self, consumer: Consumer) -> Consumer:
        """Add a consumer built elsewhere."""
        if consumer.name in self.consumers:
            raise DuplicateConsumer(f"{self.name} has two consumers named {consumer.name!r}.")
        self.consumers[consumer.name] = consumer
        return consumer

    def consumer(
        self,
        name: str,
        *,
        pattern: Mapping[str, Any],
        bus: str = ORDERS_BUS,
        description: str = "",
        settings: QueueSettings | None = None,
        handlers: Mapping[str, Handler] | None = None,
    ) -> Consumer:
        """Declare a consumer; add its handlers with ``@consumer.on("DetailType")``."""
        return self.add(
            Consumer(
                name=name,
                pattern=pattern,
                bus=bus,
                description=description,
                settings=settings or QueueSettings(),
                handlers=dict(handlers or {}),
            )
        )

    def contract(
        self, *versions: type[Contract], upcasters: Mapping[type[Contract], Upcaster] | None = None
    ) -> EventContract:
        """Declare an event type: its models, oldest version first (see ``EventContract``)."""
        declared = EventContract(tuple(versions), dict(upcasters or {}))
        self.contracts.append(declared)
        return declared

    def event(self, model: type[Contract]) -> type[Contract]:
        """A class decorator: ``model`` is a one-version event contract of this app."""
        self.contract(model)
        return model

    def topology_document(self) -> dict[str, Any]:
        """What this application owns, as ``orderflow apply`` reads it: per consumer a DLQ,
        a queue redriving to it, a rule targeting the queue; its buses, rules, archives."""
        queues: dict[str, Any] = {}
        rules: dict[str, Any] = {}
        for consumer in self.consumers.values():
            settings = consumer.settings
            queues[consumer.dead_letter_queue] = {
                "attributes": {"MessageRetentionPeriod": settings.dlq_retention_s}
            }
            queues[consumer.queue] = {
                "attributes": {"VisibilityTimeout": settings.visibility_timeout_s},
                "dead_letter_queue": consumer.dead_letter_queue,
                "max_receive_count": settings.max_receive_count,
            }
            rules[consumer.name] = {
                "bus": consumer.bus,
                "description": consumer.description or f"Events for the {consumer.name} consumer",
                "pattern": dict(consumer.pattern),
                "targets": [{"queue": consumer.queue}],
            }
        rules.update({name: dict(rule) for name, rule in self.rules.items()})
        document: dict[str, Any] = {"version": 1, "owner": self.name}
        if self.buses:
            document["buses"] = {name: {"description": d} for name, d in self.buses.items()}
        document["queues"] = queues
        document["rules"] = rules
        if self.archives:
            document["archives"] = {name: dict(a) for name, a in self.archives.items()}
        return document


AppFactory = Callable[[], App]
"""What an ``orderflow.apps`` entry point or ``--app module:attribute`` may name instead
of an App: a function returning one."""
