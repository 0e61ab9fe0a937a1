"""The Terraform module's resources (``main.tf``), in the order they depend on each
other: buses, queues (dead-letter queues first), roles, rules and their targets, queue
policies and permissions, archives, functions, the alerts topic and alarms. What
checkov flags and the design leaves as it is carries a ``checkov:skip`` comment with
its reason, in the resource it concerns."""

from __future__ import annotations

from typing import Final

from orderflow.adapters.aws.deploy.errors import ExportError
from orderflow.adapters.aws.deploy.hcl import Attribute, Block, Call, Comment, Expr, Item, document
from orderflow.adapters.aws.deploy.lambdas import HANDLER, RUNTIME
from orderflow.adapters.aws.deploy.model import (
    Alarm,
    Archive,
    Bus,
    Deployment,
    Function,
    Permission,
    Queue,
    QueuePolicy,
    Role,
    Rule,
    Target,
)
from orderflow.adapters.aws.deploy.names import camel, snake
from orderflow.adapters.aws.deploy.policies import (
    alerts_key_policy,
    trust_policy,
)
from orderflow.adapters.aws.deploy.policies import (
    document as policy,
)
from orderflow.adapters.aws.deploy.settings import LOG_RETENTION, queue_settings
from orderflow.adapters.aws.deploy.terraform_values import TAGS, TerraformValues
from orderflow.adapters.aws.deploy.values import Account, Arn, Name, Ref, Value

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
    (
        "CKV_AWS_116",
        "invoked by its event source mapping only: failed messages go to the queue's DLQ",
    ),
    ("CKV_AWS_173", "its environment holds no secret: the state URL is read from Secrets Manager"),
    ("CKV_AWS_272", "the bundle comes from orderflow package lambda, not a signing pipeline"),
    ("CKV_AWS_115", "concurrency is the queue's to limit (the mapping's maximum_concurrency)"),
    ("CKV_AWS_50", "X-Ray tracing is not wired into the handler"),
)


def main_file(deployment: Deployment) -> str:
    """The module's ``main.tf``."""
    return _Resources(deployment).main()


class _Resources(TerraformValues):
    def __init__(self, deployment: Deployment) -> None:
        super().__init__()
        self.deployment = deployment

    def main(self) -> str:
        """The module's main.tf."""
        deployment = self.deployment
        items: list[Item] = [
            Block(
                "locals",
                (),
                (Attribute("tags", Call("merge", (dict(deployment.tags), Expr("var.tags")))),),
            ),
            Block("data", ("aws_partition", "current"), ()),
            Block("data", ("aws_region", "current"), ()),
            Block("data", ("aws_caller_identity", "current"), ()),
        ]
        items.extend(self._bus(bus) for bus in deployment.buses)
        items.extend(self._queue(queue) for queue in deployment.queues)
        for role in deployment.roles:
            items.extend(self._role(role))
        for rule in deployment.rules:
            items.append(self._rule(rule))
            items.extend(self._target(rule, target) for target in rule.targets)
        items.extend(self._queue_policy(queue_policy) for queue_policy in deployment.queue_policies)
        items.extend(self._permission(permission) for permission in deployment.permissions)
        items.extend(self._archive(archive) for archive in deployment.archives)
        for function in deployment.functions:
            items.extend(self._function(function))
        items.extend(self._alerts())
        items.extend(self._alarm(alarm) for alarm in deployment.alarms)
        return document(items)

    def _bus(self, bus: Bus) -> Block:
        return self.resource(
            "aws_cloudwatch_event_bus",
            snake(bus.key),
            [
                Attribute("name", self.value(bus.name)),
                Attribute("description", bus.description) if bus.description else None,
                Attribute("tags", TAGS),
            ],
        )

    def _queue_policy(self, queue_policy: QueuePolicy) -> Block:
        return self.resource(
            "aws_sqs_queue_policy",
            snake(queue_policy.queue),
            [
                Attribute("queue_url", self.value(Ref("queue", queue_policy.queue, "url"))),
                Attribute("policy", self.json(policy(queue_policy.statements))),
            ],
        )

    def _permission(self, permission: Permission) -> Block:
        return self.resource(
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

    def _queue(self, queue: Queue) -> Block:
        body: list[Item | None] = [Attribute("name", self.value(queue.name))]
        for name, setting in queue_settings(queue).items():
            argument = _QUEUE_ARGUMENTS.get(name)
            if argument is None:
                raise ExportError(f"queues.{queue.key}: attribute {name} has no Terraform argument")
            body.append(
                Attribute(
                    argument,
                    Call("jsonencode", (setting,)) if isinstance(setting, dict) else setting,
                )
            )
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
        return (
            None
            if bus is None
            else Attribute("event_bus_name", self.value(Ref("bus", bus, "name")))
        )

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
                None
                if target.role is None
                else Attribute("role_arn", self.value(Ref("role", target.role))),
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
                Block(
                    "dead_letter_config",
                    (),
                    (Attribute("arn", self.value(Ref("queue", target.dead_letter))),),
                ),
                None
                if target.message_group_id is None
                else Block(
                    "sqs_target", (), (Attribute("message_group_id", target.message_group_id),)
                ),
            ],
        )

    def _archive(self, archive: Archive) -> Block:
        source: Value = (
            Arn("events", ("event-bus/default",))
            if archive.bus is None
            else Ref("bus", archive.bus)
        )
        return self.resource(
            "aws_cloudwatch_event_archive",
            snake(archive.key),
            [
                Attribute("name", self.value(archive.name)),
                Attribute("event_source_arn", self.value(source)),
                Attribute("description", archive.description) if archive.description else None,
                None
                if archive.pattern is None
                else Attribute("event_pattern", self.json(archive.pattern)),
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
                    Comment(
                        "checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at "
                        "rest already; a key of its own is the deployer's choice"
                    ),
                    Attribute("name", self.value(Name(function.name.text, lead="/aws/lambda/"))),
                    Attribute("retention_in_days", Expr(f"var.{LOG_RETENTION}")),
                    Attribute("tags", TAGS),
                ],
            ),
            self.resource(
                "aws_lambda_function",
                name,
                [
                    *(
                        Comment(f"checkov:skip={check}:{reason}")
                        for check, reason in _FUNCTION_SKIPS
                    ),
                    Attribute("function_name", self.value(function.name)),
                    Attribute("role", self.value(Ref("role", function.role))),
                    Attribute("handler", HANDLER),
                    Attribute("runtime", RUNTIME),
                    Attribute("s3_bucket", Expr("var.lambda_code_bucket")),
                    Attribute("s3_key", Expr("var.lambda_code_key")),
                    Attribute("memory_size", Expr("var.lambda_memory_mb")),
                    Attribute("timeout", function.timeout_s),
                    Block(
                        "environment",
                        (),
                        (Attribute("variables", self.value(function.environment)),),
                    ),
                    Block(
                        "logging_config",
                        (),
                        (
                            Attribute("log_format", "JSON"),
                            Attribute("log_group", Expr(f"aws_cloudwatch_log_group.{name}.name")),
                        ),
                    ),
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
                    Attribute(
                        "description", "Encrypts the alerts topic; CloudWatch alarms may use it"
                    ),
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
                Attribute(
                    "dimensions", {name: self.value(value) for name, value in alarm.dimensions}
                ),
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
