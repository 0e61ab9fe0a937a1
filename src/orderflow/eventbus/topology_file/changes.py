"""The steps of a plan: one typed change per engine call, each able to make its call.

+ create bus orders                                    CreateEventBus
+ create queue orders-dlq / ~ update queue orders      CreateQueue / SetQueueAttributes
- delete queue legacy                                  DeleteQueue
+ create rule orders/new / ~ update rule ...           PutRule
- delete rule orders/old                               DeleteRule
+ create target ... / ~ update target ...              PutTargets (one target)
- delete target ...                                    RemoveTargets (one target)
+ create archive ... / ~ update archive ...            CreateArchive / UpdateArchive
~ update queue|rule ... (owner ...)                    TagQueue / TagResource (``ownership``)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from orderflow.eventbus.errors import ValidationException

if TYPE_CHECKING:
    from orderflow.eventbus.apis import AwsApis


class Action(enum.Enum):
    """What a change does to its resource."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def sign(self) -> str:
        """``+``, ``~`` or ``-``, as plans are usually printed."""
        return {"create": "+", "update": "~", "delete": "-"}[self.value]


class Kind(enum.Enum):
    """The kind of resource a change is about."""

    BUS = "bus"
    QUEUE = "queue"
    RULE = "rule"
    TARGET = "target"
    ARCHIVE = "archive"


@dataclass(frozen=True, kw_only=True)
class Change:
    """One step of a plan; ``changed`` says what an update changes (or a delete loses)."""

    kind: ClassVar[Kind]
    operation: ClassVar[str]  # the AWS API operation the step calls
    action: Action
    changed: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The resource's name as the plan shows it."""
        raise NotImplementedError

    @property
    def summary(self) -> str:
        """``~ update rule orders/new-orders (pattern)``."""
        text = f"{self.action.sign} {self.action.value} {self.kind.value} {self.label}"
        return f"{text} ({'; '.join(self.changed)})" if self.changed else text

    def run(self, apis: AwsApis) -> None:
        """Make the change's one call on ``apis`` (an ``AwsError`` if it refuses)."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class CreateBus(Change):
    kind: ClassVar[Kind] = Kind.BUS
    operation: ClassVar[str] = "CreateEventBus"
    action: Action = Action.CREATE
    name: str
    description: str = ""

    @property
    def label(self) -> str:
        return self.name

    def run(self, apis: AwsApis) -> None:
        apis.events.create_event_bus(self.name, self.description or None)


@dataclass(frozen=True, kw_only=True)
class CreateQueue(Change):
    kind: ClassVar[Kind] = Kind.QUEUE
    operation: ClassVar[str] = "CreateQueue"
    action: Action = Action.CREATE
    name: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name

    def run(self, apis: AwsApis) -> None:
        apis.sqs.create_queue(self.name, self.attributes, self.tags or None)


@dataclass(frozen=True, kw_only=True)
class UpdateQueue(Change):
    """SetQueueAttributes with the attributes that differ ("" removes a text attribute)."""

    kind: ClassVar[Kind] = Kind.QUEUE
    operation: ClassVar[str] = "SetQueueAttributes"
    action: Action = Action.UPDATE
    name: str
    attributes: Mapping[str, str]

    @property
    def label(self) -> str:
        return self.name

    def run(self, apis: AwsApis) -> None:
        apis.sqs.set_queue_attributes(self.name, self.attributes)


@dataclass(frozen=True, kw_only=True)
class DeleteQueue(Change):
    kind: ClassVar[Kind] = Kind.QUEUE
    operation: ClassVar[str] = "DeleteQueue"
    action: Action = Action.DELETE
    name: str

    @property
    def label(self) -> str:
        return self.name

    def run(self, apis: AwsApis) -> None:
        apis.sqs.delete_queue(self.name)


@dataclass(frozen=True, kw_only=True)
class PutRule(Change):
    """PutRule, creating or replacing the rule (a RoleArn set elsewhere is kept)."""

    kind: ClassVar[Kind] = Kind.RULE
    operation: ClassVar[str] = "PutRule"
    bus: str
    name: str
    pattern: str
    state: str
    description: str = ""
    role_arn: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    """A new rule's tags (PutRule sets them only when it creates the rule)."""

    @property
    def label(self) -> str:
        return f"{self.bus}/{self.name}"

    def run(self, apis: AwsApis) -> None:
        apis.events.put_rule(
            self.name,
            self.pattern,
            state=self.state,
            description=self.description,
            event_bus_name=self.bus,
            role_arn=self.role_arn,
            tags=self.tags or None,
        )


@dataclass(frozen=True, kw_only=True)
class DeleteRule(Change):
    kind: ClassVar[Kind] = Kind.RULE
    operation: ClassVar[str] = "DeleteRule"
    action: Action = Action.DELETE
    bus: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.bus}/{self.name}"

    def run(self, apis: AwsApis) -> None:
        apis.events.delete_rule(self.name, self.bus)


@dataclass(frozen=True, kw_only=True)
class PutTarget(Change):
    """PutTargets with one target, in AWS's field names (as ListTargetsByRule shows it)."""

    kind: ClassVar[Kind] = Kind.TARGET
    operation: ClassVar[str] = "PutTargets"
    bus: str
    rule: str
    target: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.target['Id']} of rule {self.bus}/{self.rule}"

    def run(self, apis: AwsApis) -> None:
        failed = apis.events.put_targets(self.rule, [self.target], self.bus)
        if failed:
            raise ValidationException(f"{failed[0].code}: {failed[0].message}")


@dataclass(frozen=True, kw_only=True)
class RemoveTarget(Change):
    """RemoveTargets with one id (a target already gone is what was wanted)."""

    kind: ClassVar[Kind] = Kind.TARGET
    operation: ClassVar[str] = "RemoveTargets"
    action: Action = Action.DELETE
    bus: str
    rule: str
    target_id: str

    @property
    def label(self) -> str:
        return f"{self.target_id} of rule {self.bus}/{self.rule}"

    def run(self, apis: AwsApis) -> None:
        apis.events.remove_targets(self.rule, [self.target_id], self.bus)


@dataclass(frozen=True, kw_only=True)
class CreateArchive(Change):
    kind: ClassVar[Kind] = Kind.ARCHIVE
    operation: ClassVar[str] = "CreateArchive"
    action: Action = Action.CREATE
    name: str
    bus: str
    pattern: str | None = None
    description: str = ""
    retention_days: int = 0

    @property
    def label(self) -> str:
        return self.name

    def run(self, apis: AwsApis) -> None:
        apis.events.create_archive(
            self.name,
            apis.scope.bus_arn(self.bus),
            description=self.description or None,
            event_pattern=self.pattern,
            retention_days=self.retention_days,
        )


@dataclass(frozen=True, kw_only=True)
class UpdateArchive(Change):
    """UpdateArchive with every setting the file gives ("" clears a pattern or description;
    a retention the file leaves out stays as it is)."""

    kind: ClassVar[Kind] = Kind.ARCHIVE
    operation: ClassVar[str] = "UpdateArchive"
    action: Action = Action.UPDATE
    name: str
    pattern: str | None = None
    description: str = ""
    retention_days: int | None = None

    @property
    def label(self) -> str:
        return self.name

    def run(self, apis: AwsApis) -> None:
        apis.events.update_archive(
            self.name,
            description=self.description,
            event_pattern=self.pattern or "",
            retention_days=self.retention_days,
        )
