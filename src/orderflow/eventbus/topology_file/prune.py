"""What the file does not name: what ``prune`` deletes, and what it must keep.

On the buses the file names (and, for a file with an owner, on any bus where a rule
carries its owner's tag), a rule it does not list goes, with its targets, and
so does a target it does not list on a rule it does (a rule a service manages, as
AWS manages an archive's, is never the file's: ``read_state`` leaves it out). A
queue it does not list goes unless something that stays still uses it: a target (on
any bus, the file's or not) sends to it or dead-letters to it, or a queue that stays
has it as dead-letter queue.
Buses and archives are never pruned. Only what the file's owner owns is (``ownership``:
a rule or queue marked by another owner's tag is never the file's; a file without an
owner prunes only what no owner marks), and a queue that holds messages only when forced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orderflow.eventbus.names import AwsScope, queue_name_from_arn
from orderflow.eventbus.topology_file.changes import DeleteQueue, DeleteRule, RemoveTarget
from orderflow.eventbus.topology_file.checks import dead_letter_of
from orderflow.eventbus.topology_file.ownership import owned
from orderflow.eventbus.topology_file.requests import dead_letter_in, target_request
from orderflow.eventbus.topology_file.spec import TopologySpec
from orderflow.eventbus.topology_file.state import EngineState


@dataclass(frozen=True)
class Orphans:
    """The deletions prune would make, in order, and the unlisted queues kept (with why)."""

    removals: list[RemoveTarget] = field(default_factory=list)
    rules: list[DeleteRule] = field(default_factory=list)
    queues: list[DeleteQueue] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # queue -> what still uses it


def find_orphans(
    spec: TopologySpec, state: EngineState, scope: AwsScope, *, force: bool = False
) -> Orphans:
    """What the engine has that ``spec`` does not name, and which of it may go (a queue
    holding messages only if ``force``)."""
    orphans = Orphans()
    _rules_and_targets(spec, state, orphans)
    _queues(spec, state, scope, orphans, force=force)
    return orphans


def _rules_and_targets(spec: TopologySpec, state: EngineState, orphans: Orphans) -> None:
    managed_buses = spec.bus_names()
    for (bus, name), targets in state.targets.items():
        mark = state.rule_owners.get((bus, name))
        if bus not in managed_buses and (spec.owner is None or mark != spec.owner):
            continue  # an owner's rule is its own on any bus; an unmarked one on the file's
        rule = spec.rules.get(name)
        listed = rule is not None and rule.bus == bus
        if not listed and not owned(mark, spec.owner):
            continue  # another owner's rule (or, for an owned file, one no owner marks)
        wanted = {target.target_id for target in rule.targets} if rule and listed else set()
        orphans.removals.extend(
            RemoveTarget(bus=bus, rule=name, target_id=target_id)
            for target_id in targets
            if target_id not in wanted
        )
        if not listed:
            orphans.rules.append(DeleteRule(bus=bus, name=name))


def _queues(
    spec: TopologySpec, state: EngineState, scope: AwsScope, orphans: Orphans, *, force: bool
) -> None:
    removed = {(change.bus, change.rule, change.target_id) for change in orphans.removals}
    used: dict[str, str] = {}  # queue -> what still uses it
    for (bus, rule_name), targets in state.targets.items():
        listed = spec.rules.get(rule_name)
        replaced = listed is not None and listed.bus == bus  # by the file's targets
        for target_id, target in targets.items():
            if not replaced and (bus, rule_name, target_id) not in removed:
                _mark_used(used, target, f"a target of rule {bus}/{rule_name}")
    for name, rule in spec.rules.items():
        for wanted in rule.targets:
            _mark_used(used, target_request(wanted, scope), f"a target of rule {rule.bus}/{name}")
    for name, queue in spec.queues.items():
        dead_letter = dead_letter_of(queue)
        if dead_letter is not None:
            used.setdefault(dead_letter, f"the dead-letter queue of {name}")
    unlisted = [
        name
        for name in state.queues
        if name not in spec.queues and owned(state.queue_owners.get(name), spec.owner)
    ]
    kept_one = True
    while kept_one:  # a kept queue keeps its dead-letter queue, and so on
        kept_one = False
        for name in unlisted:
            if name in used and name not in orphans.kept:
                orphans.kept[name] = used[name]
                kept_one = True
                dead_letter = dead_letter_in(state.queues[name])
                if dead_letter is not None:
                    used.setdefault(dead_letter, f"the dead-letter queue of {name}")
    for name in unlisted:
        if name not in orphans.kept:
            messages = state.messages.get(name, 0)
            lost = f"{messages} message" + ("s" if messages > 1 else "")
            if messages and not force:
                orphans.kept[name] = f"holding {lost} (--force deletes it, and them)"
                continue
            orphans.queues.append(DeleteQueue(name=name, changed=(lost,) if messages else ()))


def _mark_used(used: dict[str, str], target: dict[str, Any], reason: str) -> None:
    for arn in (target.get("Arn"), (target.get("DeadLetterConfig") or {}).get("Arn")):
        name = queue_name_from_arn(arn) if isinstance(arn, str) else None
        if name is not None:
            used.setdefault(name, reason)
