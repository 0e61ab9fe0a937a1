"""A deployment as Terraform: a reusable module (``modules/orderflow``) and two
environments calling it (``environments/staging``, ``environments/prod``), each with
its own name prefix, tags and sizes.

``module_files(deployment)`` maps each file's path (relative to the output directory)
to its text. The module's resources are written in the order they depend on each
other: buses, queues (dead-letter queues first), roles, rules and their targets,
queue policies and permissions, archives, functions, the alerts topic and alarms.
What checkov flags and the design leaves as it is carries a ``checkov:skip`` comment
with its reason, in the resource it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from orderflow.adapters.aws.deploy import environments
from orderflow.adapters.aws.deploy.errors import ExportError
from orderflow.adapters.aws.deploy.hcl import (
    Attribute,
    Block,
    Call,
    Comment,
    Expr,
    HclValue,
    Item,
    Template,
    document,
    quoted,
)
from orderflow.adapters.aws.deploy.lambdas import HANDLER, RUNTIME
from orderflow.adapters.aws.deploy.model import (
    Alarm,
    Archive,
    Deployment,
    Function,
    Queue,
    Role,
    Rule,
    Target,
)
from orderflow.adapters.aws.deploy.names import PREFIX_PATTERN, camel, snake
from orderflow.adapters.aws.deploy.policies import alerts_key_policy, document as policy, trust_policy
from orderflow.adapters.aws.deploy.settings import LOG_RETENTION, queue_settings
from orderflow.adapters.aws.deploy.values import Account, Arn, Name, Ref, Value, Var

MODULE: Final = "modules/orderflow"
PROVIDER: Final = {"source": "hashicorp/aws", "version": "~> 6.0"}
TERRAFORM_VERSION: Final = ">= 1.5"
PREFIX: Final = Expr("var.name_prefix")
TAGS: Final = Expr("local.tags")

_TYPES: Final = {
    "bus": "aws_cloudwatch_event_bus",
    "queue": "aws_sqs_queue",
    "rule": "aws_cloudwatch_event_rule",
    "role": "aws_iam_role",
    "function": "aws_lambda_function",
    "log_group": "aws_cloudwatch_log_group",
}
_QUEUE_ARGUMENTS: Final = {
    "DelaySeconds": "delay_seconds",
    "MaximumMessageSize": "max_message_size",
    "MessageRetentionPeriod": "message_retention_seconds",
    "ReceiveMessageWaitTimeSeconds": "receive_wait_time_seconds",
    "VisibilityTimeout": "visibility_timeout_seconds",
    "KmsMasterKeyId": "kms_master_key_id",
    "KmsDataKeyReusePeriodSeconds": "kms_data_key_reuse_period_seconds",
    "FifoQueue": "fifo_queue",
    "ContentBasedDeduplication": "content_based_deduplication",
    "SqsManagedSseEnabled": "sqs_managed_sse_enabled",
    "DeduplicationScope": "deduplication_scope",
    "FifoThroughputLimit": "fifo_throughput_limit",
    "RedriveAllowPolicy": "redrive_allow_policy",
}
_FUNCTION_SKIPS: Final = (
    ("CKV_AWS_117", "the state database's network is the deployer's: add vpc_config for RDS"),
    ("CKV_AWS_116", "invoked by its event source mapping only: failed messages go to the queue's DLQ"),
    ("CKV_AWS_173", "its environment holds no secret: the state URL is read from Secrets Manager"),
    ("CKV_AWS_272", "the bundle comes from orderflow package lambda, not a signing pipeline"),
    ("CKV_AWS_115", "concurrency is the queue's to limit (the mapping's maximum_concurrency)"),
    ("CKV_AWS_50", "X-Ray tracing is not wired into the handler"),
)


def module_files(deployment: Deployment, heading: str) -> dict[str, str]:
    """Every file of the module and the environments, by path; ``heading``: the comment
    each file starts with (what it was exported from)."""
    writer = _Writer(deployment)
    top = f"# {heading}\n# Written by orderflow export terraform: edit the topology, not this file.\n\n"
    files = {
        f"{MODULE}/versions.tf": _versions(),
        f"{MODULE}/variables.tf": writer.variables(),
        f"{MODULE}/main.tf": writer.main(),
        f"{MODULE}/outputs.tf": writer.outputs(),
    }
    for environment in environments.ENVIRONMENTS:
        files.update(environments.files(environment, deployment.variables, _versions()))
    return {path: top + text for path, text in sorted(files.items())}


def _versions() -> str:
    return document(
        [
            Block(
                "terraform",
                (),
                (
                    Attribute("required_version", TERRAFORM_VERSION),
                    Block("required_providers", (), (Attribute("aws", PROVIDER),)),
                ),
            )
        ]
    )


@dataclass(frozen=True)
class _Label:
    type: str
    name: str

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"


class _Writer:
    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.labels: dict[str, str] = {}

    # -- values ----------------------------------------------------------------------

    def value(self, value: Value) -> HclValue:
        if isinstance(value, Ref):
            return Expr(self.address(value))
        if isinstance(value, Name):
            return _name(value)
        if isinstance(value, Var):
            return Expr(f"var.{value.name}")
        if isinstance(value, Account):
            return Expr("data.aws_caller_identity.current.account_id")
        if isinstance(value, Arn):
            return _arn(value)
        if isinstance(value, str | int | bool) or value is None:
            return value
        if isinstance(value, Mapping):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, Sequence):
            return [self.value(item) for item in value]
        raise TypeError(value)

    def address(self, ref: Ref) -> str:
        if ref.kind == "topic":
            return "aws_sns_topic.alerts.arn"
        if ref.kind == "key":
            return "aws_kms_key.alerts.arn"
        attribute = "id" if ref.attribute == "url" else ref.attribute
        return f"{_TYPES[ref.kind]}.{snake(ref.key)}.{attribute}"

    def json(self, value: Value) -> HclValue:
        return Call("jsonencode", (self.value(value),))

    def resource(self, kind: str, name: str, body: Sequence[Item | None]) -> Block:
        address = f"{kind}.{name}"
        if address in self.labels:
            raise ExportError(
                f"{self.labels[address]} and another resource would both be {address}: rename "
                "one of them (names that differ only in punctuation)"
            )
        self.labels[address] = name
        return Block("resource", (kind, name), tuple(item for item in body if item is not None))

    # -- files -----------------------------------------------------------------------

    def variables(self) -> str:
        blocks: list[Item] = [
            Block(
                "variable",
                ("name_prefix",),
                (
                    Attribute("description", "Put before every name (staging-, prod-): several environments in one account"),
                    Attribute("type", Expr("string")),
                    Attribute("default", ""),
                    Block(
                        "validation",
                        (),
                        (
                            Attribute("condition", Expr(f"can(regex({quoted(PREFIX_PATTERN)}, var.name_prefix))")),
                            Attribute("error_message", "name_prefix: at most 24 letters, digits, - or _."),
                        ),
                    ),
                ),
            ),
            Block(
                "variable",
                ("tags",),
                (
                    Attribute("description", "Tags on every resource, besides the module's own"),
                    Attribute("type", Expr("map(string)")),
                    Attribute("default", {}),
                ),
            ),
        ]
        for variable in self.deployment.variables:
            body: list[Item] = [
                Attribute("description", variable.description),
                Attribute("type", Expr(variable.type)),
            ]
            if variable.default is not None:
                body.append(Attribute("default", variable.default))
            blocks.append(Block("variable", (variable.name,), tuple(body)))
        return document(blocks)

    def main(self) -> str:
        deployment = self.deployment
        items: list[Item] = [
            Block("locals", (), (Attribute("tags", Call("merge", (dict(deployment.tags), Expr("var.tags")))),)),
            Block("data", ("aws_partition", "current"), ()),
            Block("data", ("aws_region", "current"), ()),
            Block("data", ("aws_caller_identity", "current"), ()),
        ]
        for bus in deployment.buses:
            items.append(
                self.resource(
                    "aws_cloudwatch_event_bus",
                    snake(bus.key),
                    [
                        Attribute("name", self.value(bus.name)),
                        Attribute("description", bus.description) if bus.description else None,
                        Attribute("tags", TAGS),
                    ],
                )
            )
        items.extend(self._queue(queue) for queue in deployment.queues)
        for role in deployment.roles:
            items.extend(self._role(role))
        for rule in deployment.rules:
            items.append(self._rule(rule))
            items.extend(self._target(rule, target) for target in rule.targets)
        for queue_policy in deployment.queue_policies:
            items.append(
                self.resource(
                    "aws_sqs_queue_policy",
                    snake(queue_policy.queue),
                    [
                        Attribute("queue_url", self.value(Ref("queue", queue_policy.queue, "url"))),
                        Attribute("policy", self.json(policy(queue_policy.statements))),
                    ],
                )
            )
        for permission in deployment.permissions:
            items.append(
                self.resource(
                    "aws_lambda_permission",
                    snake(permission.key),
                    [
                        Attribute("statement_id", camel("rule", permission.rule)),
                        Attribute("action", "lambda:InvokeFunction"),
                        Attribute("function_name", self.value(permission.function)),
                        Attribute("principal", "events.amazonaws.com"),
                        Attribute("source_arn", self.value(Ref("rule", permission.rule))),
                        Attribute("source_account", self.value(Account())),
                    ],
                )
            )
        items.extend(self._archive(archive) for archive in deployment.archives)
        for function in deployment.functions:
            items.extend(self._function(function))
        items.extend(self._alerts())
        items.extend(self._alarm(alarm) for alarm in deployment.alarms)
        return document(items)

    def outputs(self) -> str:
        deployment = self.deployment
        return document(
            [
                Block(
                    "output",
                    ("alerts_topic_arn",),
                    (
                        Attribute("description", "Where the alarms notify: subscribe to it"),
                        Attribute("value", Expr("aws_sns_topic.alerts.arn")),
                    ),
                ),
                Block(
                    "output",
                    ("bus_arns",),
                    (
                        Attribute("description", "Each bus's ARN, by its topology name"),
                        Attribute("value", {bus.key: Expr(self.address(Ref("bus", bus.key))) for bus in deployment.buses}),
                    ),
                ),
                Block(
                    "output",
                    ("queue_urls",),
                    (
                        Attribute("description", "Each queue's URL, by its topology name"),
                        Attribute(
                            "value",
                            {q.key: Expr(self.address(Ref("queue", q.key, "url"))) for q in deployment.queues},
                        ),
                    ),
                ),
                Block(
                    "output",
                    ("role_arns",),
                    (
                        Attribute("description", "Each role's ARN: one per bus target and per function"),
                        Attribute(
                            "value",
                            {r.key: Expr(self.address(Ref("role", r.key))) for r in deployment.roles},
                        ),
                    ),
                ),
            ]
        )

    # -- resources -------------------------------------------------------------------

    def _queue(self, queue: Queue) -> Block:
        body: list[Item | None] = [Attribute("name", self.value(queue.name))]
        for name, setting in queue_settings(queue).items():
            argument = _QUEUE_ARGUMENTS.get(name)
            if argument is None:
                raise ExportError(f"queues.{queue.key}: attribute {name} has no Terraform argument")
            body.append(Attribute(argument, Call("jsonencode", (setting,)) if isinstance(setting, dict) else setting))  # type: ignore[arg-type]
        if queue.redrive is not None:
            redrive: Value = {
                "deadLetterTargetArn": Ref("queue", queue.redrive.dead_letter),
                "maxReceiveCount": queue.redrive.max_receive_count,
            }
            body.append(Attribute("redrive_policy", self.json(redrive)))
        body.append(Attribute("tags", TAGS))
        return self.resource("aws_sqs_queue", snake(queue.key), body)

    def _role(self, role: Role) -> list[Block]:
        name = snake(role.key)
        return [
            self.resource(
                "aws_iam_role",
                name,
                [
                    Attribute("name", self.value(role.name)),
                    Attribute("description", role.description),
                    Attribute("assume_role_policy", self.json(trust_policy(role))),
                    Attribute("tags", TAGS),
                ],
            ),
            self.resource(
                "aws_iam_role_policy",
                name,
                [
                    Attribute("name", "own-resources"),
                    Attribute("role", Expr(f"aws_iam_role.{name}.id")),
                    Attribute("policy", self.json(policy(role.statements))),
                ],
            ),
        ]

    def _bus_name(self, bus: str | None) -> Attribute | None:
        return None if bus is None else Attribute("event_bus_name", self.value(Ref("bus", bus, "name")))

    def _rule(self, rule: Rule) -> Block:
        return self.resource(
            "aws_cloudwatch_event_rule",
            snake(rule.key),
            [
                Attribute("name", self.value(rule.name)),
                self._bus_name(rule.bus),
                Attribute("description", rule.description) if rule.description else None,
                Attribute("event_pattern", self.json(rule.pattern)),
                Attribute("state", "ENABLED" if rule.enabled else "DISABLED"),
                Attribute("tags", TAGS),
            ],
        )

    def _target(self, rule: Rule, target: Target) -> Block:
        transformer = target.input_transformer
        return self.resource(
            "aws_cloudwatch_event_target",
            snake(rule.key, target.id),
            [
                Attribute("rule", self.value(Ref("rule", rule.key, "name"))),
                self._bus_name(rule.bus),
                Attribute("target_id", target.id),
                Attribute("arn", self.value(target.arn)),
                None if target.role is None else Attribute("role_arn", self.value(Ref("role", target.role))),
                None if target.input is None else Attribute("input", target.input),
                None if target.input_path is None else Attribute("input_path", target.input_path),
                None
                if transformer is None
                else Block(
                    "input_transformer",
                    (),
                    (
                        Attribute("input_paths", dict(transformer.paths)),
                        Attribute("input_template", transformer.template),
                    ),
                ),
                Block(
                    "retry_policy",
                    (),
                    (
                        Attribute("maximum_event_age_in_seconds", target.maximum_event_age_seconds),
                        Attribute("maximum_retry_attempts", target.maximum_retry_attempts),
                    ),
                ),
                Block("dead_letter_config", (), (Attribute("arn", self.value(Ref("queue", target.dead_letter))),)),
                None
                if target.message_group_id is None
                else Block("sqs_target", (), (Attribute("message_group_id", target.message_group_id),)),
            ],
        )

    def _archive(self, archive: Archive) -> Block:
        source: Value = Arn("events", ("event-bus/default",)) if archive.bus is None else Ref("bus", archive.bus)
        return self.resource(
            "aws_cloudwatch_event_archive",
            snake(archive.key),
            [
                Attribute("name", self.value(archive.name)),
                Attribute("event_source_arn", self.value(source)),
                Attribute("description", archive.description) if archive.description else None,
                None if archive.pattern is None else Attribute("event_pattern", self.json(archive.pattern)),
                Attribute("retention_days", self.value(archive.retention_days)),
            ],
        )

    def _function(self, function: Function) -> list[Block]:
        name = snake(function.key)
        return [
            self.resource(
                "aws_cloudwatch_log_group",
                name,
                [
                    Comment("checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest already; a key of its own is a choice"),
                    Attribute("name", self.value(Name(function.name.text, lead="/aws/lambda/"))),
                    Attribute("retention_in_days", Expr(f"var.{LOG_RETENTION}")),
                    Attribute("tags", TAGS),
                ],
            ),
            self.resource(
                "aws_lambda_function",
                name,
                [
                    *(Comment(f"checkov:skip={check}:{reason}") for check, reason in _FUNCTION_SKIPS),
                    Attribute("function_name", self.value(function.name)),
                    Attribute("role", self.value(Ref("role", function.role))),
                    Attribute("handler", HANDLER),
                    Attribute("runtime", RUNTIME),
                    Attribute("s3_bucket", Expr("var.lambda_code_bucket")),
                    Attribute("s3_key", Expr("var.lambda_code_key")),
                    Attribute("memory_size", Expr("var.lambda_memory_mb")),
                    Attribute("timeout", function.timeout_s),
                    Block("environment", (), (Attribute("variables", self.value(function.environment)),)),
                    Block("logging_config", (), (Attribute("log_format", "Text"), Attribute("log_group", Expr(f"aws_cloudwatch_log_group.{name}.name")))),
                    Attribute("tags", TAGS),
                    Attribute("depends_on", [Expr(f"aws_iam_role_policy.{snake(function.role)}")]),
                ],
            ),
            self.resource(
                "aws_lambda_event_source_mapping",
                name,
                [
                    Attribute("event_source_arn", self.value(Ref("queue", function.queue))),
                    Attribute("function_name", Expr(f"aws_lambda_function.{name}.arn")),
                    Attribute("batch_size", function.batch_size),
                    Attribute("function_response_types", ["ReportBatchItemFailures"]),
                    Attribute("enabled", True),
                ],
            ),
        ]

    def _alerts(self) -> list[Block]:
        return [
            self.resource(
                "aws_kms_key",
                "alerts",
                [
                    Attribute("description", "Encrypts the alerts topic; CloudWatch alarms may use it"),
                    Attribute("enable_key_rotation", True),
                    Attribute("policy", self.json(alerts_key_policy())),
                    Attribute("tags", TAGS),
                ],
            ),
            self.resource(
                "aws_sns_topic",
                "alerts",
                [
                    Attribute("name", self.value(self.deployment.alerts)),
                    Attribute("kms_master_key_id", Expr("aws_kms_key.alerts.arn")),
                    Attribute("tags", TAGS),
                ],
            ),
        ]

    def _alarm(self, alarm: Alarm) -> Block:
        topic = [Expr("aws_sns_topic.alerts.arn")]
        return self.resource(
            "aws_cloudwatch_metric_alarm",
            snake(alarm.key),
            [
                Attribute("alarm_name", self.value(alarm.name)),
                Attribute("alarm_description", alarm.description),
                Attribute("namespace", alarm.namespace),
                Attribute("metric_name", alarm.metric),
                Attribute("statistic", alarm.statistic),
                Attribute("dimensions", {name: self.value(value) for name, value in alarm.dimensions}),
                Attribute("period", alarm.period_s),
                Attribute("evaluation_periods", alarm.evaluation_periods),
                Attribute("threshold", self.value(alarm.threshold)),
                Attribute("comparison_operator", "GreaterThanThreshold"),
                Attribute("treat_missing_data", "notBreaching"),
                Attribute("alarm_actions", topic),
                Attribute("ok_actions", topic),
                Attribute("tags", TAGS),
            ],
        )


def _name(name: Name) -> Template:
    return Template(tuple(part for part in (name.lead, PREFIX, name.text) if part != ""))


def _arn(arn: Arn) -> Template:
    parts: list[str | Expr] = ["arn:", Expr("data.aws_partition.current.partition"), f":{arn.service}:"]
    if arn.regional:
        parts.append(Expr("data.aws_region.current.region"))
    parts.extend([":", Expr("data.aws_caller_identity.current.account_id"), ":"])
    for part in arn.resource:
        parts.extend(_name(part).parts if isinstance(part, Name) else (part,))
    return Template(tuple(parts))


