"""The Terraform export: python-hcl2 parses every file; what Terraform would check
before a plan holds (every ``var.``, ``local.``, ``data.`` and resource reference is
declared, and the environments give the module what it needs); each resource carries
what the topology says; and checkov passes, each check it does not pass suppressed in
the output with its reason."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest

from orderflow.bootstrap.system import services_topology
from orderflow.services.topology import SUBSCRIPTIONS
from tests.deploy.conftest import Exported

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"
REQUIRE_CHECKOV = "ORDERFLOW_REQUIRE_CHECKOV"
MODULE = Path("modules/orderflow")
REFERENCE = re.compile(r"(?<![\w.])(aws_[a-z0-9_]+)\.([a-z0-9_]+)\.(?:arn|id|name|url)\b")


VALUES = hcl2.SerializationOptions(
    strip_string_quotes=True, with_comments=False, explicit_blocks=False
)


def parsed(path: Path) -> dict[str, Any]:
    """A file as python-hcl2 reads it (strings as their values)."""
    with path.open(encoding="utf-8") as file:
        loaded: dict[str, Any] = hcl2.load(file, serialization_options=VALUES)
    return loaded


def resources(directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    """The module's resources of one type, by name."""
    found: dict[str, dict[str, Any]] = {}
    for block in parsed(directory / MODULE / "main.tf").get("resource", []):
        for type_name, named in block.items():
            if type_name == kind:
                found.update(named)
    return found


def names(blocks: list[dict[str, Any]]) -> set[str]:
    return {name for block in blocks for name in block}


@pytest.mark.parametrize("variant", ["with_queues", "with_lambdas"])
def test_every_file_parses_and_every_reference_is_declared(
    variant: str, request: pytest.FixtureRequest
) -> None:
    exported: Exported = request.getfixturevalue(variant)
    module = exported.terraform / MODULE
    for path in exported.terraform.rglob("*.tf"):
        parsed(path)
    main = (module / "main.tf").read_text(encoding="utf-8")
    declared_variables = names(parsed(module / "variables.tf")["variable"])
    used_variables = set(re.findall(r"\bvar\.([a-z0-9_]+)", main))
    assert used_variables <= declared_variables
    assert used_variables >= {"name_prefix", "tags"}
    declared = {
        (kind, name)
        for block in parsed(module / "main.tf")["resource"]
        for kind, named in block.items()
        for name in named
    }
    referenced = set(REFERENCE.findall(main))
    assert referenced, "resources refer to each other"
    assert referenced <= declared
    outputs = (module / "outputs.tf").read_text(encoding="utf-8")
    assert set(REFERENCE.findall(outputs)) <= declared
    required = {
        name
        for block in parsed(module / "variables.tf")["variable"]
        for name, body in block.items()
        if "default" not in body
    }
    for environment in ("staging", "prod"):
        root = exported.terraform / "environments" / environment
        call = parsed(root / "main.tf")["module"][0]["orderflow"]
        assert call["source"] == "../../modules/orderflow"
        assert call["name_prefix"] == f"{environment}-"
        assert set(call) - {"source"} <= declared_variables
        assert required <= set(call)  # and the environment asks its deployer for them
        assert required <= names(parsed(root / "variables.tf")["variable"])


def test_staging_and_prod_differ_in_their_names_and_sizes(with_lambdas: Exported) -> None:
    calls = {
        environment: parsed(with_lambdas.terraform / "environments" / environment / "main.tf")[
            "module"
        ][0]["orderflow"]
        for environment in ("staging", "prod")
    }
    assert calls["staging"]["tags"] == {"environment": "staging", "application": "orderflow"}
    assert calls["prod"]["archive_retention_days"] > calls["staging"]["archive_retention_days"]
    assert calls["prod"]["lambda_memory_mb"] > calls["staging"]["lambda_memory_mb"]


def test_the_module_has_what_the_topology_says(with_queues: Exported) -> None:
    infra = with_queues.terraform
    spec = services_topology()
    queues = resources(infra, "aws_sqs_queue")
    for subscription in SUBSCRIPTIONS.values():
        queue = queues[subscription.queue.replace("-", "_")]
        assert queue["name"] == f"${{var.name_prefix}}{subscription.queue}"
        dlq = subscription.dead_letter_queue.replace("-", "_")
        assert queue["redrive_policy"] == (
            f"${{jsonencode({{deadLetterTargetArn = aws_sqs_queue.{dlq}.arn, "
            "maxReceiveCount = 3})}"
        )
    assert all(queue["sqs_managed_sse_enabled"] is True for queue in queues.values())
    assert all(queue["tags"] == "${local.tags}" for queue in queues.values())
    rules = resources(infra, "aws_cloudwatch_event_rule")
    assert set(rules) == {name.replace("-", "_") for name in spec.rules}
    targets = resources(infra, "aws_cloudwatch_event_target")
    assert len(targets) == sum(len(rule.targets) for rule in spec.rules.values())
    for target in targets.values():
        assert target["retry_policy"] == [
            {"maximum_event_age_in_seconds": 86400, "maximum_retry_attempts": 185}
        ]
        assert target["dead_letter_config"][0]["arn"].endswith("_delivery_dlq.arn}")
    policies = resources(infra, "aws_sqs_queue_policy")
    assert set(policies) == {
        *(s.queue.replace("-", "_") for s in SUBSCRIPTIONS.values()),
        *(t["dead_letter_config"][0]["arn"].split(".")[1] for t in targets.values()),
    }
    roles, role_policies = resources(infra, "aws_iam_role"), resources(infra, "aws_iam_role_policy")
    assert set(roles) == set(role_policies) == {"tutorial_to_orders_orders"}
    archives = resources(infra, "aws_cloudwatch_event_archive")
    assert archives["orders_archive"]["retention_days"] == "${var.archive_retention_days}"
    alarms = resources(infra, "aws_cloudwatch_metric_alarm")
    assert {a["metric_name"] for a in alarms.values()} == {
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
        "FailedInvocations",
    }
    assert all(a["alarm_actions"] == ["${aws_sns_topic.alerts.arn}"] for a in alarms.values())


def test_each_function_has_its_own_role_and_a_mapping_reporting_failures(
    with_lambdas: Exported,
) -> None:
    infra = with_lambdas.terraform
    functions = resources(infra, "aws_lambda_function")
    mappings = resources(infra, "aws_lambda_event_source_mapping")
    role_policies = resources(infra, "aws_iam_role_policy")
    assert (
        set(functions)
        == set(mappings)
        == {s.name.replace("-", "_") for s in SUBSCRIPTIONS.values()}
    )
    used_roles = [function["role"] for function in functions.values()]
    assert len(set(used_roles)) == len(used_roles)
    for name, function in functions.items():
        assert function["handler"] == "orderflow.entrypoints.aws_lambda.handler"
        assert function["role"] == f"${{aws_iam_role.{name}_function.arn}}"
        assert mappings[name]["function_response_types"] == ["ReportBatchItemFailures"]
        assert mappings[name]["event_source_arn"] == f"${{aws_sqs_queue.{name}.arn}}"
        policy = role_policies[f"{name}_function"]["policy"]
        own = set(re.findall(r"aws_sqs_queue\.([a-z0-9_]+)\.arn", policy))
        assert own == {name}  # its own queue, no other
        assert "aws_cloudwatch_event_bus.orders.arn" in policy
        assert "var.state_secret_arn" in policy
        assert f"/aws/lambda/${{var.name_prefix}}{name.replace('_', '-')}:*" in policy


def test_checkov_passes_with_every_suppression_explained(with_lambdas: Exported) -> None:
    if not CHECKOV.exists():
        message = f"checkov is not installed in {CHECKOV.parent.parent} (make tools)"
        if os.environ.get(REQUIRE_CHECKOV) == "1":
            pytest.fail(f"{message} ({REQUIRE_CHECKOV}=1: it is required here)")
        pytest.skip(message)
    done = subprocess.run(
        [
            str(CHECKOV),
            *("-d", str(with_lambdas.terraform), "--framework", "terraform"),
            *("--skip-download", "--output", "json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    report = json.loads(done.stdout)
    summary = report["summary"]
    failed = [
        (check["check_id"], check["resource"]) for check in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 100
    skipped = report["results"]["skipped_checks"]
    assert skipped, "the functions' suppressions are read"
    assert all(check["check_result"]["suppress_comment"].strip() for check in skipped)
