"""Applying a plan: its changes, one engine call each, in order, stopping at the first refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.topology_file.errors import ApplyError
from orderflow.eventbus.topology_file.plan import Plan
from orderflow.eventbus.topology_file.plan import plan as make_plan
from orderflow.eventbus.topology_file.spec import TopologySpec

if TYPE_CHECKING:
    from orderflow.eventbus.engine import Engine


def apply(engine: Engine, target: Plan | TopologySpec, *, prune: bool = False) -> Plan:
    """Make the changes of a plan (given a spec: of the plan for it) on ``engine``; the plan.

    Each change is its own engine call (and transaction): if the engine refuses
    one, ``ApplyError`` names it and how many changes were made before it, and
    planning again from the same file picks up where this stopped.
    """
    planned = make_plan(engine, target, prune=prune) if isinstance(target, TopologySpec) else target
    for done, change in enumerate(planned.changes):
        try:
            change.run(engine)
        except AwsError as exc:
            raise ApplyError(change, done, exc) from exc
    return planned
