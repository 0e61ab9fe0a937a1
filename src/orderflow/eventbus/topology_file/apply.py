"""Applying a plan: its changes, one call each, in order, stopping at the first refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.topology_file.errors import ApplyError
from orderflow.eventbus.topology_file.plan import Plan
from orderflow.eventbus.topology_file.plan import plan as make_plan
from orderflow.eventbus.topology_file.spec import TopologySpec

if TYPE_CHECKING:
    from orderflow.eventbus.apis import AwsApis


def apply(apis: AwsApis, target: Plan | TopologySpec, *, prune: bool = False) -> Plan:
    """Make the changes of a plan (given a spec: of the plan for it) on ``apis`` (the
    embedded engine, or a remote endpoint's); the plan.

    Each change is its own call (and, on the engine, transaction): if it is refused,
    ``ApplyError`` names the change and how many changes were made before it, and
    planning again from the same file picks up where this stopped.
    """
    planned = make_plan(apis, target, prune=prune) if isinstance(target, TopologySpec) else target
    for done, change in enumerate(planned.changes):
        try:
            change.run(apis)
        except AwsError as exc:
            raise ApplyError(change, done, exc) from exc
    return planned
