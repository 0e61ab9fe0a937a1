"""The CloudFormation export: cfn-lint finds no error or warning in it, its policies
let each queue be sent to only by its own rules, and created as a stack on moto's
server (its own process, on loopback) it makes what the topology says, read back
through boto3: the bus, each rule with its pattern, each target with its retry policy,
dead-letter queue and (bus targets) a role of its own, each queue with its redrive
policy; with ``--consumers lambda``, a function per consumer fed by its queue (batch
item failures reported), each with an execution role naming only its own resources."""

from __future__ import annotations

import ast
import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from cfnlint.api import lint_all

from orderflow.bootstrap.system import services_topology
from orderflow.services.topology import SUBSCRIPTIONS
from tests.deploy.conftest import Exported

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's
PREFIX = "staging-"


@pytest.mark.parametrize("variant", ["with_queues", "with_lambdas"])
def test_cfn_lint_finds_no_error_nor_warning(variant: str, request: pytest.FixtureRequest) -> None:
    exported: Exported = request.getfixturevalue(variant)
    matches = lint_all(exported.template_path.read_text(encoding="utf-8"))
    serious = [str(match) for match in matches if match.rule.id[0] in "EW"]
    assert serious == []


def test_each_queue_policy_lets_only_its_own_rules_send(with_queues: Exported) -> None:
    template = with_queues.template
    rules = with_queues.resources("AWS::Events::Rule")
    senders: dict[str, set[str]] = {}  # queue logical id → rule names sending to it
    for rule in rules.values():
        rule_name = rule["Properties"]["Name"]["Fn::Sub"].removeprefix("${NamePrefix}")
        for target in rule["Properties"]["Targets"]:
            for arn in (target["Arn"], target["DeadLetterConfig"]["Arn"]):
                if "Fn::GetAtt" in arn and arn["Fn::GetAtt"][0].startswith("Queue"):
                    senders.setdefault(arn["Fn::GetAtt"][0], set()).add(rule_name)
    policies = with_queues.resources("AWS::SQS::QueuePolicy")
    assert {p["Properties"]["Queues"][0]["Ref"] for p in policies.values()} == set(senders)
    for policy in policies.values():
        queue = policy["Properties"]["Queues"][0]["Ref"]
        allowed = set()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}
            assert statement["Action"] == ["sqs:SendMessage"]
            assert statement["Resource"] == [{"Fn::GetAtt": [queue, "Arn"]}]
            source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
            allowed.add(source.rsplit("${NamePrefix}", 1)[1])  # .../rule/BUS/RULE
        assert allowed == senders[queue]
    assert template["Parameters"]["NamePrefix"]["MaxLength"] == 24


def test_queues_are_encrypted_at_rest_and_resources_tagged(with_lambdas: Exported) -> None:
    for queue in with_lambdas.resources("AWS::SQS::Queue").values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    untagged = [
        logical
        for logical, resource in with_lambdas.template["Resources"].items()
        if resource["Type"] not in {"AWS::SQS::QueuePolicy", "AWS::Events::Archive"}
        and resource["Type"] not in {"AWS::Lambda::EventSourceMapping", "AWS::KMS::Key"}
        and {"Key": "orderflow:managed-by", "Value": "orderflow export"}
        not in resource["Properties"].get("Tags", [])
    ]
    assert untagged == []


# -- on moto's server ---------------------------------------------------------------


def policy_document(document: dict[str, Any] | str) -> dict[str, Any]:
    """A role's inline policy as GetRolePolicy gave it: a document (AWS, whose URL-encoded
    JSON boto3 decodes), or, from a stack on moto, the Python text of one (moto keeps
    the template's mapping and writes it with ``str``)."""
    if isinstance(document, dict):
        return document
    parsed: dict[str, Any] = ast.literal_eval(document)
    return parsed


def client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def stack(moto_url: str, with_queues: Exported) -> str:
    """The template created as stack ``orderflow`` with the staging prefix: moto's URL."""
    cloudformation = client(moto_url, "cloudformation")
    cloudformation.create_stack(
        StackName="orderflow",
        TemplateBody=with_queues.template_path.read_text(encoding="utf-8"),
        Parameters=[{"ParameterKey": "NamePrefix", "ParameterValue": PREFIX}],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    status = cloudformation.describe_stacks(StackName="orderflow")["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"
    return moto_url


def test_the_stack_has_the_bus_and_every_rule_with_its_pattern(stack: str) -> None:
    events = client(stack, "events")
    assert {bus["Name"] for bus in events.list_event_buses()["EventBuses"]} >= {
        "default",
        f"{PREFIX}orders",
    }
    spec = services_topology()
    for name, rule in spec.rules.items():
        bus = "default" if rule.bus == "default" else PREFIX + rule.bus
        found = events.describe_rule(Name=PREFIX + name, EventBusName=bus)
        assert json.loads(found["EventPattern"]) == json.loads(rule.pattern)
        assert found["State"] == "ENABLED"


def test_every_target_has_its_retry_policy_dead_letter_queue_and_role(stack: str) -> None:
    events, iam = client(stack, "events"), client(stack, "iam")
    spec = services_topology()
    roles_seen: list[str] = []
    for name, rule in spec.rules.items():
        bus = "default" if rule.bus == "default" else PREFIX + rule.bus
        targets = events.list_targets_by_rule(Rule=PREFIX + name, EventBusName=bus)["Targets"]
        assert [t["Id"] for t in targets] == [t.target_id for t in rule.targets]
        for target, wanted in zip(targets, rule.targets, strict=True):
            assert target["RetryPolicy"] == {
                "MaximumRetryAttempts": wanted.retry_policy.maximum_retry_attempts,
                "MaximumEventAgeInSeconds": wanted.retry_policy.maximum_event_age_seconds,
            }
            dlq = f"{PREFIX}{name}-{wanted.target_id}-delivery-dlq"
            assert target["DeadLetterConfig"] == {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{dlq}"}
            if wanted.queue is not None:  # EventBridge reaches a queue by its policy
                assert target["Arn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{PREFIX}{wanted.queue}"
                assert "RoleArn" not in target
                continue
            assert wanted.bus is not None  # a bus: by a role of its own, for that bus only
            bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{PREFIX}{wanted.bus}"
            assert target["Arn"] == bus_arn
            role = target["RoleArn"].rsplit("/", 1)[1]
            roles_seen.append(role)
            trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
            assert trust["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}
            rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{PREFIX}{name}"
            assert trust["Statement"][0]["Condition"]["ArnEquals"] == {"aws:SourceArn": rule_arn}
            assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["own-resources"]
            policy = iam.get_role_policy(RoleName=role, PolicyName="own-resources")
            statements = policy_document(policy["PolicyDocument"])["Statement"]
            assert [(s["Action"], s["Resource"]) for s in statements] == [
                (["events:PutEvents"], [bus_arn])
            ]
    assert roles_seen, "the services' topology forwards the default bus to orders by a role"
    assert len(set(roles_seen)) == len(roles_seen)  # never shared
    stack_roles = {
        r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(PREFIX)
    }
    assert stack_roles == set(roles_seen)


def test_every_consumer_queue_has_its_redrive_policy(stack: str) -> None:
    sqs = client(stack, "sqs")
    for subscription in SUBSCRIPTIONS.values():
        url = sqs.get_queue_url(QueueName=PREFIX + subscription.queue)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{PREFIX}{subscription.dead_letter_queue}"
        assert redrive == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}
        assert attributes["SqsManagedSseEnabled"] == "true"
        dlq = sqs.get_queue_url(QueueName=PREFIX + subscription.dead_letter_queue)["QueueUrl"]
        retention = sqs.get_queue_attributes(
            QueueUrl=dlq, AttributeNames=["MessageRetentionPeriod"]
        )["Attributes"]["MessageRetentionPeriod"]
        assert retention == "1209600"


def test_with_lambdas_each_consumer_is_a_function_with_a_role_of_its_own(
    moto_url: str, with_lambdas: Exported
) -> None:
    s3 = client(moto_url, "s3")
    s3.create_bucket(Bucket="code", CreateBucketConfiguration={"LocationConstraint": REGION})
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:  # what orderflow package lambda uploads
        archive.writestr("orderflow/__init__.py", "")
    s3.put_object(Bucket="code", Key="orderflow-lambda.zip", Body=bundle.getvalue())
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orderflow-state"
    cloudformation = client(moto_url, "cloudformation")
    cloudformation.create_stack(
        StackName="orderflow-prod",
        TemplateBody=with_lambdas.template_path.read_text(encoding="utf-8"),
        Parameters=[
            {"ParameterKey": "NamePrefix", "ParameterValue": "prod-"},
            {"ParameterKey": "StateSecretArn", "ParameterValue": secret},
            {"ParameterKey": "LambdaCodeBucket", "ParameterValue": "code"},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    stacks = cloudformation.describe_stacks(StackName="orderflow-prod")["Stacks"]
    assert stacks[0]["StackStatus"] == "CREATE_COMPLETE"
    functions, iam = client(moto_url, "lambda"), client(moto_url, "iam")
    mappings = functions.list_event_source_mappings()["EventSourceMappings"]
    roles = []
    for subscription in SUBSCRIPTIONS.values():
        name = f"prod-{subscription.name}"
        function = functions.get_function(FunctionName=name)["Configuration"]
        assert function["Handler"] == "orderflow.entrypoints.aws_lambda.handler"
        assert function["Environment"]["Variables"] == {
            "ORDERFLOW_CONSUMER": subscription.name,
            "ORDERFLOW_NAME_PREFIX": "prod-",
            "ORDERFLOW_STATE_SECRET_ARN": secret,
        }
        queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:prod-{subscription.queue}"
        mine = [m for m in mappings if m["FunctionArn"].endswith(f":function:{name}")]
        assert [(m["EventSourceArn"], m["FunctionResponseTypes"]) for m in mine] == [
            (queue_arn, ["ReportBatchItemFailures"])
        ]
        role = function["Role"].rsplit("/", 1)[1]
        roles.append(role)
        policy = iam.get_role_policy(RoleName=role, PolicyName="own-resources")
        granted = {
            (action, resource)
            for statement in policy_document(policy["PolicyDocument"])["Statement"]
            for action in statement["Action"]
            for resource in statement["Resource"]
        }
        log_group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}:*"
        assert granted == {
            ("sqs:DeleteMessage", queue_arn),
            ("sqs:GetQueueAttributes", queue_arn),
            ("sqs:ReceiveMessage", queue_arn),
            ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/prod-orders"),
            ("logs:CreateLogStream", log_group),
            ("logs:PutLogEvents", log_group),
            ("secretsmanager:GetSecretValue", secret),
        }
    assert len(set(roles)) == len(SUBSCRIPTIONS)  # one each, never shared
