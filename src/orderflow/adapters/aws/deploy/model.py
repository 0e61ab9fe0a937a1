"""A deployment: what a topology becomes on AWS, before either renderer writes it.

``build.deployment(spec)`` makes one from a topology; ``cloudformation`` and
``terraform`` write it. Resources are named by ``key`` (the topology's name, or one
made from it); their AWS names are ``Name`` values, given the environment's prefix
when the stack is deployed. Every sequence is in the order the renderers write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from orderflow.adapters.aws.deploy.values import Name, Value


@dataclass(frozen=True)
class Variable:
    """A setting each environment may give: a Terraform variable, a CloudFormation
    parameter."""

    name: str
    description: str
    type: Literal["string", "number"]
    default: str | int | None
    """None: each environment must give it."""


@dataclass(frozen=True)
class Bus:
    key: str
    name: Name
    description: str


@dataclass(frozen=True)
class Redrive:
    """Where a queue's messages go after ``max_receive_count`` receives."""

    dead_letter: str
    max_receive_count: int


@dataclass(frozen=True)
class Queue:
    key: str
    name: Name
    attributes: Mapping[str, str]
    """SQS's own attribute names and values (the redrive policy apart)."""
    redrive: Redrive | None


@dataclass(frozen=True)
class Statement:
    """One statement of an IAM or resource policy (allow only)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[Value, ...]
    service: str | None = None
    """The service principal allowed (resource policies); None in a role's own policy."""
    source_arn: Value | None = None
    """Allowed only on behalf of this resource (``aws:SourceArn``)."""


@dataclass(frozen=True)
class QueuePolicy:
    """Who may send to a queue: one statement per rule."""

    queue: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Role:
    """A role one service principal assumes for one purpose, on behalf of
    ``source_arn`` only when given."""

    key: str
    name: Name
    description: str
    service: str
    statements: tuple[Statement, ...]
    source_arn: Value | None = None
    managed_policies: tuple[Value, ...] = ()


@dataclass(frozen=True)
class InputTransformer:
    paths: Mapping[str, str]
    template: str


@dataclass(frozen=True)
class Target:
    id: str
    arn: Value
    dead_letter: str
    """The key of the queue that takes what EventBridge could not deliver."""
    maximum_retry_attempts: int
    maximum_event_age_seconds: int
    role: str | None = None
    input: str | None = None
    input_path: str | None = None
    input_transformer: InputTransformer | None = None
    message_group_id: str | None = None


@dataclass(frozen=True)
class Rule:
    key: str
    name: Name
    bus: str | None
    """The key of its bus; None: the account's default bus."""
    pattern: Mapping[str, Value]
    enabled: bool
    description: str
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Archive:
    key: str
    name: Name
    bus: str | None
    pattern: Mapping[str, Value] | None
    description: str
    retention_days: Value


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch alarm on one metric, notifying the alerts topic."""

    key: str
    name: Name
    description: str
    namespace: str
    metric: str
    statistic: Literal["Maximum", "Sum"]
    dimensions: tuple[tuple[str, Value], ...]
    threshold: Value
    period_s: int = 60
    evaluation_periods: int = 1


@dataclass(frozen=True)
class Function:
    """A consumer as a Lambda function, fed by its queue (an event source mapping)."""

    key: str
    name: Name
    consumer: str
    queue: str
    role: str
    log_group: str
    environment: Mapping[str, Value]
    timeout_s: int
    batch_size: int = 10


@dataclass(frozen=True)
class Permission:
    """``events.amazonaws.com`` may invoke a function, for one rule only."""

    key: str
    function: Value
    rule: str


@dataclass(frozen=True)
class Deployment:
    """Everything a topology needs on AWS, in dependency order (buses, queues, roles,
    rules with their targets, policies and permissions, archives, alarms)."""

    variables: tuple[Variable, ...]
    tags: Mapping[str, str]
    buses: tuple[Bus, ...]
    queues: tuple[Queue, ...]
    roles: tuple[Role, ...]
    rules: tuple[Rule, ...]
    queue_policies: tuple[QueuePolicy, ...]
    permissions: tuple[Permission, ...]
    archives: tuple[Archive, ...]
    alarms: tuple[Alarm, ...]
    functions: tuple[Function, ...] = ()
    alerts: Name = field(default_factory=lambda: Name("orderflow-alerts"))

    def rule(self, key: str) -> Rule:
        return next(rule for rule in self.rules if rule.key == key)

    def bus(self, key: str) -> Bus:
        return next(bus for bus in self.buses if bus.key == key)
