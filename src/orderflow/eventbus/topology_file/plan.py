"""Planning: the changes that make the engine match a topology file, in the order to make them.

Only what the file names is managed, and only what its ``owner`` owns is pruned
(``ownership``; a queue holding messages only with ``force``). A resource the file names
is created when missing and updated when it differs; a queue's attributes are then exactly the
file's (one it leaves out goes back to SQS's default, or is removed; one it leaves
out that the endpoint does not report, as moto's server does not report
KmsDataKeyReusePeriodSeconds without KMS, is left alone). Nothing is
deleted unless asked (``prune``; see ``prune`` for what goes and what stays);
without it, what prune would delete is listed in ``Plan.unmanaged``.

Order: buses, queues (dead-letter queues first), rules, target removals, targets,
rule deletions, archives, queue deletions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orderflow.eventbus.bus.admin import MAX_TARGETS
from orderflow.eventbus.names import AwsScope, bus_name_from_arn
from orderflow.eventbus.queues import attributes as queue_attributes
from orderflow.eventbus.topology_file.changes import (
    Action,
    Change,
    CreateArchive,
    CreateBus,
    CreateQueue,
    PutRule,
    PutTarget,
    RemoveTarget,
    UpdateArchive,
    UpdateQueue,
)
from orderflow.eventbus.topology_file.checks import (
    check_topology,
    dead_letter_of,
    unknown_buses,
)
from orderflow.eventbus.topology_file.errors import Problem, TopologyError
from orderflow.eventbus.topology_file.ownership import claimed_elsewhere, ownership_changes
from orderflow.eventbus.topology_file.prune import find_orphans
from orderflow.eventbus.topology_file.requests import (
    TARGET_FIELDS,
    canonical_json,
    queue_request,
    same_attribute,
    show_attribute,
    target_request,
)
from orderflow.eventbus.topology_file.spec import DEFAULT_BUS, OWNER_TAG, TopologySpec
from orderflow.eventbus.topology_file.state import EngineState, read_state

if TYPE_CHECKING:
    from orderflow.eventbus.apis import AwsApis


@dataclass(frozen=True)
class Plan:
    """The changes to make, in order, and what the file leaves alone."""

    changes: tuple[Change, ...] = ()
    unmanaged: tuple[str, ...] = ()  # what prune would delete ("queue legacy", ...)
    notes: tuple[str, ...] = ()  # what the plan cannot do or chose not to do, and why
    prune: bool = False

    @property
    def empty(self) -> bool:
        return not self.changes

    def __len__(self) -> int:
        return len(self.changes)


def plan(apis: AwsApis, spec: TopologySpec, *, prune: bool = False, force: bool = False) -> Plan:
    """The changes that make ``apis`` (the embedded engine, or a remote endpoint's) match
    ``spec`` (``TopologyError`` if impossible). ``force``: prune deletes queues that hold
    messages too (without it they stay, and the plan says so)."""
    problems = check_topology(spec)
    if problems:
        raise TopologyError(problems)
    state = read_state(apis, spec.queues)
    problems = unknown_buses(spec, set(state.buses)) + claimed_elsewhere(spec, state)
    if problems:
        raise TopologyError(problems)
    return _Planner(spec, state, apis.scope).plan(prune=prune, force=force)


class _Planner:
    def __init__(self, spec: TopologySpec, state: EngineState, scope: AwsScope) -> None:
        self.spec = spec
        self.state = state
        self.scope = scope
        self.notes: list[str] = []
        self.problems: list[Problem] = []

    def plan(self, *, prune: bool, force: bool = False) -> Plan:
        buses = list(self._buses())
        queues = list(self._queues())
        rules = [*self._rules(), *ownership_changes(self.spec, self.state, self.scope)]
        targets = list(self._targets())
        archives = list(self._archives())
        orphans = find_orphans(self.spec, self.state, self.scope, force=force)
        self._check_target_limits(orphans.removals if prune else [])
        if self.problems:
            raise TopologyError(self.problems)
        if prune:
            self.notes.extend(
                f"queue {name} is not in the file but stays: it is {reason}"
                for name, reason in orphans.kept.items()
            )
            changes = (
                *buses,
                *queues,
                *rules,
                *orphans.removals,
                *targets,
                *orphans.rules,
                *archives,
                *orphans.queues,
            )
            return Plan(changes, notes=tuple(self.notes), prune=True)
        unmanaged = tuple(
            f"{change.kind.value} {change.label}"
            for change in (*orphans.removals, *orphans.rules, *orphans.queues)
        )
        changes = (*buses, *queues, *rules, *targets, *archives)
        return Plan(changes, unmanaged, tuple(self.notes))

    def _buses(self) -> Iterator[Change]:
        for name, bus in self.spec.buses.items():
            if name == DEFAULT_BUS:
                continue
            current = self.state.buses.get(name)
            if current is None:
                yield CreateBus(name=name, description=bus.description)
            elif current != bus.description:
                self.notes.append(
                    f"buses.{name}: the description differs from the engine's ({current!r}); "
                    "it stays as it is, as the engine has no UpdateEventBus"
                )

    def _queue_order(self) -> list[str]:
        order: list[str] = []

        def visit(name: str) -> None:
            if name in order:
                return
            dead_letter = dead_letter_of(self.spec.queues[name])
            if dead_letter in self.spec.queues and dead_letter != name:
                visit(dead_letter)
            order.append(name)

        for name in self.spec.queues:
            visit(name)
        return order

    def _queues(self) -> Iterator[Change]:
        for name in self._queue_order():
            wanted = queue_request(name, self.spec.queues[name], self.scope)
            current = self.state.queues.get(name)
            if current is None:
                given = {key: value for key, value in wanted.items() if value}
                owner = self.spec.owner
                yield CreateQueue(
                    name=name, attributes=given, tags={OWNER_TAG: owner} if owner else {}
                )
                continue
            desired = {**queue_attributes.defaults(name.endswith(".fifo")), **wanted}
            update: dict[str, str] = {}
            changed: list[str] = []
            for key, value in desired.items():
                if key not in wanted and key not in current:
                    continue  # a default this endpoint does not report
                before = current.get(key)
                if key != "FifoQueue" and not same_attribute(key, before, value):
                    update[key] = value
                    changed.append(
                        f"{key} {show_attribute(key, before)} -> {show_attribute(key, value)}"
                    )
            for key in sorted((set(current) - set(desired)) & queue_attributes.TEXT_ATTRIBUTES):
                update[key] = ""
                changed.append(f"{key} removed")
            if update:
                yield UpdateQueue(name=name, attributes=update, changed=tuple(changed))

    def _rules(self) -> Iterator[Change]:
        for name, rule in self.spec.rules.items():
            current = self.state.rules.get((rule.bus, name))
            changed: list[str] = []
            if current is not None:
                if canonical_json(current.get("EventPattern")) != canonical_json(rule.pattern):
                    changed.append("pattern")
                if current.get("State") != rule.state:
                    changed.append(f"state {current.get('State')} -> {rule.state}")
                if current.get("Description", "") != rule.description:
                    changed.append("description")
                if not changed:
                    continue
            yield PutRule(
                action=Action.CREATE if current is None else Action.UPDATE,
                changed=tuple(changed),
                bus=rule.bus,
                name=name,
                pattern=rule.pattern,
                state=rule.state,
                description=rule.description,
                role_arn=(current or {}).get("RoleArn"),  # not the file's to manage
                tags={OWNER_TAG: self.spec.owner} if current is None and self.spec.owner else {},
            )

    def _targets(self) -> Iterator[Change]:
        for name, rule in self.spec.rules.items():
            current = self.state.targets.get((rule.bus, name), {})
            for target in rule.targets:
                wanted = target_request(target, self.scope)
                before = current.get(target.target_id)
                if before is not None and "RoleArn" in before:
                    wanted["RoleArn"] = before["RoleArn"]  # not the file's to manage
                changed = (
                    ()
                    if before is None
                    else tuple(
                        TARGET_FIELDS.get(key, key)
                        for key in sorted(set(wanted) | set(before))
                        if wanted.get(key) != before.get(key)
                    )
                )
                if before is None or changed:
                    yield PutTarget(
                        action=Action.CREATE if before is None else Action.UPDATE,
                        changed=changed,
                        bus=rule.bus,
                        rule=name,
                        target=wanted,
                    )

    def _check_target_limits(self, removals: list[RemoveTarget]) -> None:
        removed = {(change.bus, change.rule, change.target_id) for change in removals}
        for name, rule in self.spec.rules.items():
            kept = {
                target_id
                for target_id in self.state.targets.get((rule.bus, name), {})
                if (rule.bus, name, target_id) not in removed
            }
            wanted = {target.target_id for target in rule.targets}
            if len(kept | wanted) > MAX_TARGETS:
                others = ", ".join(sorted(kept - wanted))
                self.problems.append(
                    Problem(
                        ("rules", name, "targets"),
                        f"the rule would have {len(kept | wanted)} targets, {MAX_TARGETS} at "
                        f"most: the engine also has {others}, which the file does not list "
                        "(--prune deletes them)",
                    )
                )

    def _archives(self) -> Iterator[Change]:
        for name, archive in self.spec.archives.items():
            current = self.state.archives.get(name)
            if current is None:
                yield CreateArchive(
                    name=name,
                    bus=archive.bus,
                    pattern=archive.pattern,
                    description=archive.description,
                    retention_days=archive.retention_days or 0,
                )
                continue
            bus = bus_name_from_arn(current["EventSourceArn"])
            if bus != archive.bus:
                self.problems.append(
                    Problem(
                        ("archives", name, "bus"),
                        f"archive {name} exists on bus '{bus}', and an archive cannot move to "
                        "another bus",
                    )
                )
                continue
            changed = []
            if canonical_json(current.get("EventPattern")) != canonical_json(archive.pattern):
                changed.append("pattern")
            if current.get("Description", "") != archive.description:
                changed.append("description")
            if archive.retention_days not in (None, current.get("RetentionDays")):
                changed.append(
                    f"retention_days {current.get('RetentionDays')} -> {archive.retention_days}"
                )
            if changed:
                yield UpdateArchive(
                    changed=tuple(changed),
                    name=name,
                    pattern=archive.pattern,
                    description=archive.description,
                    retention_days=archive.retention_days,
                )
