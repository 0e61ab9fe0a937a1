"""A deployment as one CloudFormation template (JSON, keys sorted: an unchanged
topology exports byte for byte the same file).

Names take the ``NamePrefix`` parameter; the other settings are parameters too. Rule
ARNs are written out (``Fn::Sub``) rather than asked of the rule, so that a target's
role, which names its rule, does not depend on the rule that names the role.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from orderflow.adapters.aws.deploy.errors import ExportError
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
from orderflow.adapters.aws.deploy.names import MAX_PREFIX, PREFIX_PATTERN, camel
from orderflow.adapters.aws.deploy.policies import alerts_key_policy, document, trust_policy
from orderflow.adapters.aws.deploy.settings import (
    ALERTS_KEY,
    ALERTS_TOPIC,
    LOG_RETENTION,
    queue_settings,
)
from orderflow.adapters.aws.deploy.values import (
    Account,
    Arn,
    Name,
    Part,
    Ref,
    Value,
    Var,
    render,
)

PREFIX_PARAMETER: Final = "NamePrefix"
_IDS: Final = {
    "bus": "Bus",
    "queue": "Queue",
    "rule": "Rule",
    "role": "Role",
    "function": "Function",
    "log_group": "LogGroup",
}


def template_text(deployment: Deployment, description: str) -> str:
    """The template, as the file's text."""
    return json.dumps(template(deployment, description), indent=2, sort_keys=True) + "\n"


def template(deployment: Deployment, description: str) -> dict[str, Any]:
    """The template of ``deployment``."""
    writer = _Writer(deployment)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": writer.parameters(),
        "Resources": writer.resources(),
        "Outputs": writer.outputs(),
    }


class _Writer:
    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.written: dict[str, dict[str, Any]] = {}

    # -- values --------------------------------------------------------------------

    def value(self, value: Value) -> Any:
        """``value`` in CloudFormation's terms (intrinsic functions for deploy-time parts)."""
        return render(value, self.part)

    def part(self, part: Part) -> Any:
        if isinstance(part, Ref):
            return self.ref(part)
        if isinstance(part, Name):
            return {"Fn::Sub": _sub_name(part)}
        if isinstance(part, Var):
            return {"Ref": camel(part.name)}
        if isinstance(part, Account):
            return {"Ref": "AWS::AccountId"}
        return {"Fn::Sub": _sub_arn(part)}

    def ref(self, ref: Ref) -> Any:
        if ref.kind == "rule":
            rule = self.deployment.rule(ref.key)
            return self.value(
                rule.name if ref.attribute == "name" else _rule_arn(self.deployment, rule)
            )
        if ref.kind == "bus" and ref.attribute == "name":
            return self.value(self.deployment.bus(ref.key).name)
        if ref.kind == "topic":
            return {"Ref": ALERTS_TOPIC}
        if ref.kind == "key":
            return {"Fn::GetAtt": [ALERTS_KEY, "Arn"]}
        logical = _IDS[ref.kind] + camel(ref.key)
        if ref.attribute == "url":
            return {"Ref": logical}
        if ref.attribute == "name":
            return {"Fn::GetAtt": [logical, "QueueName"]}
        return {"Fn::GetAtt": [logical, "Arn"]}

    def tags(self) -> list[dict[str, Any]]:
        return [{"Key": key, "Value": value} for key, value in sorted(self.deployment.tags.items())]

    def add(
        self,
        logical: str,
        kind: str,
        properties: Mapping[str, Any],
        depends_on: str | None = None,
    ) -> None:
        if logical in self.written:
            raise ExportError(
                f"two resources would have the logical id {logical}: rename one of them "
                "(names that differ only in punctuation)"
            )
        self.written[logical] = {
            "Type": kind,
            "Properties": {key: item for key, item in properties.items() if item is not None},
        }
        if depends_on is not None:
            self.written[logical]["DependsOn"] = depends_on

    # -- sections --------------------------------------------------------------------

    def parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {
            PREFIX_PARAMETER: {
                "Type": "String",
                "Default": "",
                "AllowedPattern": PREFIX_PATTERN,
                "MaxLength": MAX_PREFIX,
                "Description": "Put before every name (staging-, prod-): several environments "
                "in one account",
            }
        }
        for variable in self.deployment.variables:
            parameter: dict[str, Any] = {
                "Type": "Number" if variable.type == "number" else "String",
                "Description": variable.description,
            }
            if variable.default is not None:
                parameter["Default"] = variable.default
            parameters[camel(variable.name)] = parameter
        return parameters

    def resources(self) -> dict[str, dict[str, Any]]:
        deployment = self.deployment
        for bus in deployment.buses:
            self.add(
                "Bus" + camel(bus.key),
                "AWS::Events::EventBus",
                {
                    "Name": self.value(bus.name),
                    "Description": bus.description or None,
                    "Tags": self.tags(),
                },
            )
        for queue in deployment.queues:
            self._queue(queue)
        for role in deployment.roles:
            self._role(role)
        for rule in deployment.rules:
            self._rule(rule)
        for policy in deployment.queue_policies:
            self.add(
                "QueuePolicy" + camel(policy.queue),
                "AWS::SQS::QueuePolicy",
                {
                    "Queues": [self.value(Ref("queue", policy.queue, "url"))],
                    "PolicyDocument": self.value(document(policy.statements)),
                },
            )
        for permission in deployment.permissions:
            self.add(
                "Permission" + camel(permission.key),
                "AWS::Lambda::Permission",
                {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": self.value(permission.function),
                    "Principal": "events.amazonaws.com",
                    "SourceArn": self.value(Ref("rule", permission.rule)),
                    "SourceAccount": {"Ref": "AWS::AccountId"},
                },
            )
        for archive in deployment.archives:
            self._archive(archive)
        for function in deployment.functions:
            self._function(function)
        self._alerts()
        for alarm in deployment.alarms:
            self._alarm(alarm)
        return self.written

    def outputs(self) -> dict[str, Any]:
        outputs: dict[str, Any] = {
            "AlertsTopicArn": {
                "Description": "Where the alarms notify: subscribe to it",
                "Value": {"Ref": ALERTS_TOPIC},
            }
        }
        for bus in self.deployment.buses:
            outputs["Bus" + camel(bus.key) + "Arn"] = {
                "Description": f"Bus {bus.key}",
                "Value": self.value(Ref("bus", bus.key)),
            }
        for queue in self.deployment.queues:
            outputs["Queue" + camel(queue.key) + "Url"] = {
                "Description": f"Queue {queue.key}",
                "Value": self.value(Ref("queue", queue.key, "url")),
            }
        return outputs

    # -- resources -------------------------------------------------------------------

    def _queue(self, queue: Queue) -> None:
        properties: dict[str, Any] = {
            "QueueName": self.value(queue.name),
            "Tags": self.tags(),
            **queue_settings(queue),
        }
        if queue.redrive is not None:
            properties["RedrivePolicy"] = {
                "deadLetterTargetArn": self.value(Ref("queue", queue.redrive.dead_letter)),
                "maxReceiveCount": queue.redrive.max_receive_count,
            }
        self.add("Queue" + camel(queue.key), "AWS::SQS::Queue", properties)

    def _role(self, role: Role) -> None:
        self.add(
            "Role" + camel(role.key),
            "AWS::IAM::Role",
            {
                "RoleName": self.value(role.name),
                "Description": role.description,
                "AssumeRolePolicyDocument": self.value(trust_policy(role)),
                "Policies": [
                    {
                        "PolicyName": "own-resources",
                        "PolicyDocument": self.value(document(role.statements)),
                    }
                ],
                "Tags": self.tags(),
            },
        )

    def _rule(self, rule: Rule) -> None:
        self.add(
            "Rule" + camel(rule.key),
            "AWS::Events::Rule",
            {
                "Name": self.value(rule.name),
                "EventBusName": None
                if rule.bus is None
                else self.value(Ref("bus", rule.bus, "name")),
                "EventPattern": self.value(rule.pattern),
                "State": "ENABLED" if rule.enabled else "DISABLED",
                "Description": rule.description or None,
                "Targets": [self._target(target) for target in rule.targets],
                "Tags": self.tags(),
            },
            depends_on=None if rule.bus is None else "Bus" + camel(rule.bus),
        )

    def _target(self, target: Target) -> dict[str, Any]:
        written: dict[str, Any] = {
            "Id": target.id,
            "Arn": self.value(target.arn),
            "RetryPolicy": {
                "MaximumRetryAttempts": target.maximum_retry_attempts,
                "MaximumEventAgeInSeconds": target.maximum_event_age_seconds,
            },
            "DeadLetterConfig": {"Arn": self.value(Ref("queue", target.dead_letter))},
        }
        if target.role is not None:
            written["RoleArn"] = self.value(Ref("role", target.role))
        if target.input is not None:
            written["Input"] = target.input
        if target.input_path is not None:
            written["InputPath"] = target.input_path
        if target.input_transformer is not None:
            written["InputTransformer"] = {
                "InputPathsMap": dict(target.input_transformer.paths),
                "InputTemplate": target.input_transformer.template,
            }
        if target.message_group_id is not None:
            written["SqsParameters"] = {"MessageGroupId": target.message_group_id}
        return written

    def _archive(self, archive: Archive) -> None:
        source: Value = (
            Arn("events", ("event-bus/default",))
            if archive.bus is None
            else Ref("bus", archive.bus)
        )
        self.add(
            "Archive" + camel(archive.key),
            "AWS::Events::Archive",
            {
                "ArchiveName": self.value(archive.name),
                "SourceArn": self.value(source),
                "Description": archive.description or None,
                "EventPattern": None if archive.pattern is None else self.value(archive.pattern),
                "RetentionDays": self.value(archive.retention_days),
            },
        )

    def _function(self, function: Function) -> None:
        logical = "Function" + camel(function.key)
        self.add(
            "LogGroup" + camel(function.key),
            "AWS::Logs::LogGroup",
            {
                "LogGroupName": self.value(Name(function.name.text, lead="/aws/lambda/")),
                "RetentionInDays": self.value(Var(LOG_RETENTION)),
                "Tags": self.tags(),
            },
        )
        self.add(
            logical,
            "AWS::Lambda::Function",
            {
                "FunctionName": self.value(function.name),
                "Handler": HANDLER,
                "Runtime": RUNTIME,
                "Role": self.value(Ref("role", function.role)),
                "Code": {
                    "S3Bucket": self.value(Var("lambda_code_bucket")),
                    "S3Key": self.value(Var("lambda_code_key")),
                },
                "MemorySize": self.value(Var("lambda_memory_mb")),
                "Timeout": function.timeout_s,
                "Environment": {"Variables": self.value(function.environment)},
                "LoggingConfig": {
                    "LogFormat": "JSON",
                    "LogGroup": {"Ref": "LogGroup" + camel(function.key)},
                },
                "Tags": self.tags(),
            },
        )
        self.add(
            "EventSourceMapping" + camel(function.key),
            "AWS::Lambda::EventSourceMapping",
            {
                "EventSourceArn": self.value(Ref("queue", function.queue)),
                "FunctionName": {"Ref": logical},
                "BatchSize": function.batch_size,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "Enabled": True,
            },
        )

    def _alerts(self) -> None:
        self.add(
            ALERTS_KEY,
            "AWS::KMS::Key",
            {
                "Description": "Encrypts the alerts topic; CloudWatch alarms may use it",
                "EnableKeyRotation": True,
                "KeyPolicy": self.value(alerts_key_policy()),
                # No Tags of its own: moto's CloudFormation takes KMS tags in the API's
                # shape (TagKey), not the template's; the stack's tags still reach it.
            },
        )
        self.add(
            ALERTS_TOPIC,
            "AWS::SNS::Topic",
            {
                "TopicName": self.value(self.deployment.alerts),
                "KmsMasterKeyId": {"Fn::GetAtt": [ALERTS_KEY, "Arn"]},
                "Tags": self.tags(),
            },
        )

    def _alarm(self, alarm: Alarm) -> None:
        topic = [{"Ref": ALERTS_TOPIC}]
        self.add(
            "Alarm" + camel(alarm.key),
            "AWS::CloudWatch::Alarm",
            {
                "AlarmName": self.value(alarm.name),
                "AlarmDescription": alarm.description,
                "Namespace": alarm.namespace,
                "MetricName": alarm.metric,
                "Statistic": alarm.statistic,
                "Dimensions": [
                    {"Name": name, "Value": self.value(value)} for name, value in alarm.dimensions
                ],
                "Period": alarm.period_s,
                "EvaluationPeriods": alarm.evaluation_periods,
                "Threshold": self.value(alarm.threshold),
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": topic,
                "OKActions": topic,
                "Tags": self.tags(),
            },
        )


def _sub_name(name: Name) -> str:
    return f"{name.lead}${{{PREFIX_PARAMETER}}}{name.text}"


def _sub_arn(arn: Arn) -> str:
    region = "${AWS::Region}" if arn.regional else ""
    resource = "".join(part if isinstance(part, str) else _sub_name(part) for part in arn.resource)
    return f"arn:${{AWS::Partition}}:{arn.service}:{region}:${{AWS::AccountId}}:{resource}"


def _rule_arn(deployment: Deployment, rule: Rule) -> Arn:
    if rule.bus is None:
        return Arn("events", ("rule/", rule.name))
    return Arn("events", ("rule/", deployment.bus(rule.bus).name, "/", rule.name))
