"""Routing tables: per bus, the enabled rules compiled into a ``RuleIndex`` with their targets.

Every process keeps its own copy and checks, inside each PutEvents transaction,
the store's topology version (bumped by every change to a bus, rule or target,
by any process); a changed version reloads the tables before routing, so a rule
added by the operator's CLI routes the very next event a publisher puts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orderflow.eventbus.model.bus import RuleRecord, TargetRecord
from orderflow.eventbus.patterns.rule_index import RuleIndex
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.transform import InputTransformer, TargetInput, target_input


@dataclass(frozen=True)
class Route:
    """A target as routing uses it: where to, how to shape the event, what to do on failure."""

    target: TargetRecord
    rule: RuleRecord
    shape: TargetInput


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


class Topology:
    """This process's routing tables, reloaded whenever the store's version moves."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._buses: dict[str, BusRoutes] = {}

    def current(self, tx: StoreTransaction) -> dict[str, BusRoutes]:
        """The routing tables as of ``tx``."""
        version = tx.topology_version()
        if version != self._version:
            self._buses = self._load(tx)
            self._version = version
        return self._buses

    @staticmethod
    def _load(tx: StoreTransaction) -> dict[str, BusRoutes]:
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
                    Route(target, rule, compile_target(target))
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
