"""Who owns what: each queue and rule a file with an ``owner`` declares carries the tag
``orderflow:owner`` (on the engine as on AWS), so that ``--prune`` deletes only what its
owner marked, never another file's or application's resources.

A file cannot take over what another owner marks (a problem, before any change); a
resource that no owner marks yet (made before ownership, or by hand) is claimed by the
first file that declares it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.topology_file.changes import Action, Change, Kind
from orderflow.eventbus.topology_file.errors import Problem
from orderflow.eventbus.topology_file.spec import OWNER_TAG, TopologySpec
from orderflow.eventbus.topology_file.state import EngineState

if TYPE_CHECKING:
    from orderflow.eventbus.apis import AwsApis


@dataclass(frozen=True, kw_only=True)
class TagQueueOwner(Change):
    kind: ClassVar[Kind] = Kind.QUEUE
    operation: ClassVar[str] = "TagQueue"
    action: Action = Action.UPDATE
    name: str
    owner: str

    @property
    def label(self) -> str:
        return self.name

    def run(self, apis: AwsApis) -> None:
        apis.sqs.tag_queue(self.name, {OWNER_TAG: self.owner})


@dataclass(frozen=True, kw_only=True)
class TagRuleOwner(Change):
    kind: ClassVar[Kind] = Kind.RULE
    operation: ClassVar[str] = "TagResource"
    action: Action = Action.UPDATE
    bus: str
    name: str
    owner: str
    arn: str

    @property
    def label(self) -> str:
        return f"{self.bus}/{self.name}"

    def run(self, apis: AwsApis) -> None:
        apis.events.tag_resource(self.arn, {OWNER_TAG: self.owner})


def owned(mark: str | None, owner: str | None) -> bool:
    """Whether a resource marked ``mark`` (None: unmarked) is ``owner``'s to prune."""
    return mark == owner


def claimed_elsewhere(spec: TopologySpec, state: EngineState) -> list[Problem]:
    """The resources ``spec`` declares that another owner's tag marks."""
    problems = []
    for name in spec.queues:
        mark = state.queue_owners.get(name)
        if mark is not None and mark != spec.owner:
            problems.append(Problem(("queues", name), _taken("queue", name, mark)))
    for name, rule in spec.rules.items():
        mark = state.rule_owners.get((rule.bus, name))
        if mark is not None and mark != spec.owner:
            problems.append(Problem(("rules", name), _taken("rule", f"{rule.bus}/{name}", mark)))
    return problems


def _taken(kind: str, label: str, mark: str) -> str:
    return (
        f"{kind} {label} belongs to '{mark}' (its {OWNER_TAG} tag): a file declares only what "
        "it owns; rename it here, or apply it from its owner's file"
    )


def ownership_changes(spec: TopologySpec, state: EngineState, scope: AwsScope) -> Iterator[Change]:
    """The tags that mark ``spec.owner``'s queues and rules (a new queue or rule is
    created with its tag; every other one not marked yet is tagged)."""
    owner = spec.owner
    if owner is None:
        return
    for name in spec.queues:
        if name in state.queues and state.queue_owners.get(name) != owner:
            yield TagQueueOwner(name=name, owner=owner, changed=(f"owner {owner}",))
    for name, rule in spec.rules.items():
        key = (rule.bus, name)
        if key in state.rules and state.rule_owners.get(key) != owner:
            yield TagRuleOwner(
                bus=rule.bus,
                name=name,
                owner=owner,
                arn=scope.rule_arn(rule.bus, name),
                changed=(f"owner {owner}",),
            )
