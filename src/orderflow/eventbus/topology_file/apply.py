"""Applying a plan: its changes, one call each, in order, stopping at the first refusal.
``converge``: a spec applied by processes starting at the same moment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

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


RACED: Final = frozenset(
    {"ResourceAlreadyExistsException", "QueueNameExists", "ConcurrentModificationException"}
)
"""The refusals of a change that another process made first (or was making)."""
CONVERGE_ATTEMPTS: Final = 5


def converge(apis: AwsApis, spec: TopologySpec) -> Plan:
    """Apply ``spec`` on ``apis`` as ``apply`` does, when other processes may be applying
    it at the same moment (``orderflow worker`` and ``orderflow api`` started together on
    a fresh database): a change refused because another process made it first (a bus, an
    archive, a queue created meanwhile) is no failure; the plan is made again from what
    is there now, and applied, until nothing is left to do. The last plan applied.

    Every change is an upsert or a creation, so two processes applying the same spec in
    any interleaving end with the topology one of them alone would have made."""
    for attempt in range(1, CONVERGE_ATTEMPTS + 1):
        try:
            return apply(apis, spec)
        except ApplyError as exc:
            if exc.error.code not in RACED or attempt == CONVERGE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
