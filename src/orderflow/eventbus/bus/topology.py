"""Routing tables: per bus, the enabled rules compiled into a ``RuleIndex`` with their targets.

Every process keeps its own copy and checks, inside each PutEvents transaction,
the store's topology version (bumped by every change to a bus, rule or target,
by any process); a changed version reloads the tables before routing, so a rule
added by the operator's CLI routes the very next event a publisher puts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from orderflow.eventbus.model.bus import RuleRecord, TargetRecord
from orderflow.eventbus.model.queues import QueueRecord
from orderflow.eventbus.names import (
    AwsScope,
    bus_name_from_arn,
    function_name_from_arn,
    queue_name_from_arn,
)
from orderflow.eventbus.patterns.rule_index import RuleIndex
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.transform import InputKind, InputTransformer, TargetInput, target_input


class TargetKind(enum.Enum):
    QUEUE = "queue"
    BUS = "bus"
    FUNCTION = "function"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Route:
    """A target as routing uses it: where to, how to shape the event, what to do on failure."""

    target: TargetRecord
    rule: RuleRecord
    shape: TargetInput
    rule_arn: str
    kind: TargetKind
    destination: str  # the queue, bus or function name ("" when unsupported)
    whole_event: bool = False  # the target receives the event as is (no input choice)


def _route(target: TargetRecord, rule: RuleRecord, scope: AwsScope) -> Route:
    kind, destination = TargetKind.UNSUPPORTED, ""
    for candidate, parse in (
        (TargetKind.QUEUE, queue_name_from_arn),
        (TargetKind.BUS, bus_name_from_arn),
        (TargetKind.FUNCTION, function_name_from_arn),
    ):
        name = parse(target.arn)
        if name is not None:
            kind, destination = candidate, name
            break
    rule_arn = scope.rule_arn(rule.bus, rule.name)
    shape = compile_target(target)
    return Route(target, rule, shape, rule_arn, kind, destination, shape.kind is InputKind.EVENT)


@dataclass
class BusRoutes:
    """One bus's compiled rules and their routes."""

    index: RuleIndex = field(default_factory=RuleIndex)
    rules: dict[str, RuleRecord] = field(default_factory=dict)
    routes: dict[str, list[Route]] = field(default_factory=dict)  # rule name -> routes
    archive_index: RuleIndex = field(default_factory=RuleIndex)  # archives with a pattern
    archive_all: list[str] = field(default_factory=list)  # archives keeping every event

    def archives_for(self, event: dict[str, object]) -> list[str]:
        """The archives that keep ``event``."""
        if not len(self.archive_index):
            return self.archive_all
        return [*self.archive_all, *sorted(self.archive_index.match(event))]


def compile_target(target: TargetRecord) -> TargetInput:
    """The input choice of a stored target (already validated by PutTargets)."""
    transformer = None
    if target.input_template is not None:
        transformer = InputTransformer(dict(target.input_paths_map or {}), target.input_template)
    return target_input(
        target.target_id,
        input=target.input,
        input_path=target.input_path,
        input_transformer=transformer,
    )


@dataclass(frozen=True)
class Routing:
    """Everything routing reads: the buses' routes and the queues' settings."""

    buses: dict[str, BusRoutes]
    queues: dict[str, QueueRecord]


class Topology:
    """This process's routing tables, reloaded whenever the store's version moves."""

    def __init__(self, scope: AwsScope) -> None:
        self._scope = scope
        self._version: int | None = None
        self._routing = Routing({}, {})

    def current(self, tx: StoreTransaction) -> Routing:
        """The routing tables as of ``tx``."""
        version = tx.topology_version()
        if version != self._version:
            queues = {queue.name: queue for queue in tx.list_queues()}
            self._routing = Routing(self._load(tx), queues)
            self._version = version
        return self._routing

    def _load(self, tx: StoreTransaction) -> dict[str, BusRoutes]:
        buses: dict[str, BusRoutes] = {}
        targets: dict[tuple[str, str], list[TargetRecord]] = {}
        for target in tx.all_targets():
            targets.setdefault((target.bus, target.rule), []).append(target)
        for bus in tx.list_buses():
            routes = buses[bus.name] = BusRoutes()
            for rule in tx.list_rules(bus.name):
                if not rule.enabled:
                    continue
                routes.index.add(rule.name, rule.event_pattern)
                routes.rules[rule.name] = rule
                routes.routes[rule.name] = [
                    _route(target, rule, self._scope)
                    for target in targets.get((bus.name, rule.name), [])
                ]
        for archive in tx.list_archives():
            archiving = buses.get(archive.bus)
            if archiving is None or archive.state != "ENABLED":
                continue
            if archive.event_pattern:
                archiving.archive_index.add(archive.name, archive.event_pattern)
            else:
                archiving.archive_all.append(archive.name)
        return buses
