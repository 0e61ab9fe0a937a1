"""From a topology to a deployment: the topology's buses, queues, rules, targets and
archives, and what AWS needs around them that the embedded engine does not.

- every target gets a dead-letter queue for what EventBridge could not deliver (the
  one the topology names, else ``RULE-TARGET-delivery-dlq``), a retry policy, and a
  role of its own where EventBridge needs one (a bus target: ``events:PutEvents`` on
  that bus only);
- every queue a rule sends to (a target, a target's dead-letter queue) gets a policy
  letting ``events.amazonaws.com`` send, on behalf of that rule only
  (``aws:SourceArn``); a function target gets a Lambda permission scoped the same way;
- alarms: a dead-letter queue holding anything, a queue's oldest message too old, a
  rule's failed invocations; all notify one SNS topic.

Nothing is shared between two targets or two consumers: each role names only its own
resources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from orderflow.adapters.aws.deploy.errors import ExportError
from orderflow.adapters.aws.deploy.lambdas import LambdaConsumer, consumer_functions
from orderflow.adapters.aws.deploy.model import (
    Alarm,
    Archive,
    Bus,
    Deployment,
    Function,
    InputTransformer,
    Permission,
    QueuePolicy,
    Redrive,
    Role,
    Rule,
    Statement,
    Target,
    Variable,
)
from orderflow.adapters.aws.deploy.model import Queue as QueueResource
from orderflow.adapters.aws.deploy.names import camel, check_fits, fitted
from orderflow.adapters.aws.deploy.values import Arn, Name, Ref, Value, Var
from orderflow.eventbus.queues.attributes import parse_redrive_policy
from orderflow.eventbus.topology_file.spec import (
    DEFAULT_BUS,
    QueueSpec,
    RuleSpec,
    TargetSpec,
    TopologySpec,
)

EVENTS: Final = "events.amazonaws.com"
DELIVERY_DLQ_RETENTION_S: Final = 1_209_600
"""14 days (SQS's longest) to look into what EventBridge could not deliver."""
TAGS: Final = {"orderflow:managed-by": "orderflow export"}
_NOT_IN_QUEUE_NAMES: Final = re.compile(r"[^A-Za-z0-9_-]")
"""Rule names and target ids may have dots; a queue's name may not."""

VARIABLES: Final = (
    Variable(
        "archive_retention_days",
        "Days the archives keep events, for archives the topology gives no retention (0: forever)",
        "number",
        0,
    ),
    Variable(
        "oldest_message_alarm_s",
        "Alarm when a queue's oldest message is older than this many seconds",
        "number",
        300,
    ),
)


@dataclass
class _Built:
    """What the rules add to the topology's queues as they are built."""

    spec: TopologySpec
    queues: dict[str, QueueResource] = field(default_factory=dict)
    senders: dict[str, set[str]] = field(default_factory=dict)
    """Queue key → the rules that send to it (as a target or a target's DLQ)."""
    roles: list[Role] = field(default_factory=list)
    permissions: list[Permission] = field(default_factory=list)
    dead_letters: set[str] = field(default_factory=set)

    def sends(self, queue: str, rule: str) -> None:
        self.senders.setdefault(queue, set()).add(rule)


def deployment(
    spec: TopologySpec, consumers: Mapping[str, LambdaConsumer] | None = None
) -> Deployment:
    """The deployment of ``spec``; ``consumers`` (queue → consumer): those queues are
    consumed by a Lambda function each (``lambdas``)."""
    built = _Built(spec)
    buses = tuple(
        Bus(
            name,
            Name(check_fits("bus", name)),
            spec.buses[name].description if name in spec.buses else "",
        )
        for name in sorted(spec.bus_names() - {DEFAULT_BUS})
    )
    for name in sorted(spec.queues):
        built.queues[name] = _queue(name, spec.queues[name], built)
    rules = tuple(_rule(name, spec.rules[name], built) for name in sorted(spec.rules))
    functions, function_roles, variables = consumer_functions(
        consumers or {}, built.queues, {bus.key for bus in buses}
    )
    dead_letters_first = sorted(
        built.queues.values(), key=lambda queue: (queue.key not in built.dead_letters, queue.key)
    )
    queues = tuple(dead_letters_first)
    archives = tuple(_archive(name, spec) for name in sorted(spec.archives))
    alarms = _alarms(queues, rules, built.dead_letters) + tuple(
        _function_alarm(function) for function in functions
    )
    return Deployment(
        variables=_used(VARIABLES, archives, alarms) + variables,
        tags=TAGS,
        buses=buses,
        queues=queues,
        roles=tuple(built.roles) + function_roles,
        rules=rules,
        queue_policies=tuple(
            _queue_policy(queue, sorted(built.senders[queue])) for queue in sorted(built.senders)
        ),
        permissions=tuple(built.permissions),
        archives=tuple(_archive(name, spec) for name in sorted(spec.archives)),
        alarms=_alarms(queues, rules, built.dead_letters)
        + tuple(_function_alarm(f) for f in functions),
        functions=functions,
    )


def _used(
    variables: tuple[Variable, ...], archives: tuple[Archive, ...], alarms: tuple[Alarm, ...]
) -> tuple[Variable, ...]:
    """The settings some resource uses (a template's unused parameter is a mistake)."""
    used = {
        value.name
        for value in [*(a.retention_days for a in archives), *(a.threshold for a in alarms)]
        if isinstance(value, Var)
    }
    return tuple(variable for variable in variables if variable.name in used)


def _queue(name: str, queue: QueueSpec, built: _Built) -> QueueResource:
    check_fits("queue", name)
    attributes = dict(queue.attributes)
    if "Policy" in attributes:
        raise ExportError(
            f"queues.{name}: attributes.Policy: the export writes each queue's policy "
            "itself (who may send, scoped to the rules that target it); leave it out"
        )
    redrive = None
    if queue.dead_letter_queue is not None and queue.max_receive_count is not None:
        redrive = Redrive(queue.dead_letter_queue, queue.max_receive_count)
    elif "RedrivePolicy" in attributes:
        policy = parse_redrive_policy(attributes["RedrivePolicy"])
        redrive = Redrive(policy.dead_letter_queue, policy.max_receive_count)
    attributes.pop("RedrivePolicy", None)
    if redrive is not None:
        if redrive.dead_letter not in built.spec.queues:
            raise ExportError(f"queues.{name}: its dead-letter queue is not in the topology")
        built.dead_letters.add(redrive.dead_letter)
    return QueueResource(name, Name(name), attributes, redrive)


def _rule(name: str, rule: RuleSpec, built: _Built) -> Rule:
    check_fits("rule", name)
    bus = None if rule.bus == DEFAULT_BUS else rule.bus
    targets = tuple(_target(name, target, built) for target in rule.targets)
    return Rule(
        name,
        Name(name),
        bus,
        json.loads(rule.pattern),
        rule.state == "ENABLED",
        rule.description,
        targets,
    )


def _target(rule: str, target: TargetSpec, built: _Built) -> Target:
    target_id = target.target_id
    dead_letter = target.dead_letter_queue or _delivery_queue(rule, target_id, built)
    built.sends(dead_letter, rule)
    built.dead_letters.add(dead_letter)
    role = None
    arn: Value
    if target.queue is not None:
        arn = Ref("queue", target.queue)
        built.sends(target.queue, rule)
    elif target.bus is not None:
        arn = _bus_arn(target.bus)
        role = f"{rule}-{target_id}"
        built.roles.append(
            Role(
                role,
                Name(fitted("role", f"{rule}-{target_id}-events")),
                f"EventBridge puts the events of rule {rule} on bus {target.bus}, and only there",
                EVENTS,
                (Statement("PutEventsOnTargetBus", ("events:PutEvents",), (arn,)),),
                source_arn=Ref("rule", rule),
            )
        )
    elif target.function is not None:
        check_fits("function", target.function)
        arn = Arn("lambda", ("function:", Name(target.function)))
        built.permissions.append(Permission(f"{rule}-{target_id}", arn, rule))
    else:
        arn = target.arn or ""
    transformer = target.input_transformer
    return Target(
        id=target_id,
        arn=arn,
        dead_letter=dead_letter,
        maximum_retry_attempts=target.retry_policy.maximum_retry_attempts,
        maximum_event_age_seconds=target.retry_policy.maximum_event_age_seconds,
        role=role,
        input=target.input,
        input_path=target.input_path,
        input_transformer=(
            None
            if transformer is None
            else InputTransformer(dict(transformer.input_paths_map), transformer.input_template)
        ),
        message_group_id=target.message_group_id,
    )


def _bus_arn(bus: str) -> Value:
    return Arn("events", ("event-bus/default",)) if bus == DEFAULT_BUS else Ref("bus", bus)


def _delivery_queue(rule: str, target_id: str, built: _Built) -> str:
    name = fitted("queue", _NOT_IN_QUEUE_NAMES.sub("-", f"{rule}-{target_id}-delivery-dlq"))
    if name in built.spec.queues:
        raise ExportError(
            f"rules.{rule}.targets: queue {name!r} is the dead-letter queue the export "
            "makes for this target; give the target a dead_letter_queue, or rename the queue"
        )
    built.queues[name] = QueueResource(
        name,
        Name(name),
        {"MessageRetentionPeriod": str(DELIVERY_DLQ_RETENTION_S)},
        None,
    )
    return name


def _queue_policy(queue: str, rules: list[str]) -> QueuePolicy:
    return QueuePolicy(
        queue,
        tuple(
            Statement(
                camel("from", rule),
                ("sqs:SendMessage",),
                (Ref("queue", queue),),
                service=EVENTS,
                source_arn=Ref("rule", rule),
            )
            for rule in rules
        ),
    )


def _archive(name: str, spec: TopologySpec) -> Archive:
    archive = spec.archives[name]
    check_fits("archive", name)
    return Archive(
        name,
        Name(name),
        None if archive.bus == DEFAULT_BUS else archive.bus,
        None if archive.pattern is None else json.loads(archive.pattern),
        archive.description,
        Var("archive_retention_days") if archive.retention_days is None else archive.retention_days,
    )


def _alarms(
    queues: tuple[QueueResource, ...], rules: tuple[Rule, ...], dead_letters: set[str]
) -> tuple[Alarm, ...]:
    alarms: list[Alarm] = []
    for queue in queues:
        dimensions: tuple[tuple[str, Value], ...] = (
            ("QueueName", Ref("queue", queue.key, "name")),
        )
        if queue.key in dead_letters:
            alarms.append(
                Alarm(
                    f"{queue.key}-not-empty",
                    Name(fitted("alarm", f"{queue.key}-not-empty")),
                    f"Dead-letter queue {queue.key} holds messages: look into them, then redrive",
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "Maximum",
                    dimensions,
                    0,
                )
            )
        else:
            alarms.append(
                Alarm(
                    f"{queue.key}-oldest-message",
                    Name(fitted("alarm", f"{queue.key}-oldest-message")),
                    f"Queue {queue.key}: its oldest message waits too long (is its consumer down?)",
                    "AWS/SQS",
                    "ApproximateAgeOfOldestMessage",
                    "Maximum",
                    dimensions,
                    Var("oldest_message_alarm_s"),
                    evaluation_periods=5,
                )
            )
    for rule in rules:
        rule_dimensions: tuple[tuple[str, Value], ...] = (
            ("RuleName", Ref("rule", rule.key, "name")),
        )
        if rule.bus is not None:
            rule_dimensions = (("EventBusName", Ref("bus", rule.bus, "name")), *rule_dimensions)
        alarms.append(
            Alarm(
                f"{rule.key}-failed-invocations",
                Name(fitted("alarm", f"{rule.key}-failed-invocations")),
                f"Rule {rule.key}: EventBridge failed to deliver to a target (see its "
                "delivery dead-letter queue)",
                "AWS/Events",
                "FailedInvocations",
                "Sum",
                rule_dimensions,
                0,
            )
        )
    return tuple(alarms)


def _function_alarm(function: Function) -> Alarm:
    return Alarm(
        f"{function.key}-function-errors",
        Name(fitted("alarm", f"{function.key}-function-errors")),
        f"Function {function.key} failed (a batch it could not handle at all)",
        "AWS/Lambda",
        "Errors",
        "Sum",
        (("FunctionName", function.name),),
        0,
    )
