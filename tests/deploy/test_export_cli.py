"""``orderflow export``: the same topology exports the same bytes; what cannot be
exported or written says why in one line and exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
from cfnlint.api import lint_all
from typer.testing import CliRunner, Result

from orderflow.entrypoints.cli.app import build_app
from tests.deploy.conftest import Exported, export

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "topology.yaml"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(build_app(), ["export", *(str(arg) for arg in args)])


def files_under(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def test_an_unchanged_topology_exports_the_same_bytes(
    with_lambdas: Exported, tmp_path: Path
) -> None:
    export("cloudformation", tmp_path / "again.json", "--consumers", "lambda")
    export("terraform", tmp_path / "again", "--consumers", "lambda")
    assert (tmp_path / "again.json").read_bytes() == with_lambdas.template_path.read_bytes()
    again = files_under(tmp_path / "again")
    assert again == files_under(with_lambdas.terraform)
    assert sorted(again) == [
        "environments/prod/main.tf",
        "environments/prod/outputs.tf",
        "environments/prod/variables.tf",
        "environments/prod/versions.tf",
        "environments/staging/main.tf",
        "environments/staging/outputs.tf",
        "environments/staging/variables.tf",
        "environments/staging/versions.tf",
        "modules/orderflow/main.tf",
        "modules/orderflow/outputs.tf",
        "modules/orderflow/variables.tf",
        "modules/orderflow/versions.tf",
    ]


def test_a_topology_file_exports_its_own_resources(tmp_path: Path) -> None:
    topology = tmp_path / "topology.yaml"
    topology.write_text(
        "buses: {shop: {}}\n"
        "queues:\n"
        "  audit: {}\n"
        "  audit-misses: {attributes: {MessageRetentionPeriod: 86400}}\n"
        "rules:\n"
        "  audit-all:\n"
        "    bus: shop\n"
        "    pattern: {source: [{prefix: shop.}]}\n"
        "    targets:\n"
        "      - queue: audit\n"
        "        dead_letter_queue: audit-misses\n"
        "        retry_policy: {maximum_retry_attempts: 4, maximum_event_age_seconds: 600}\n"
        "        input_transformer:\n"
        "          input_paths_map: {kind: $.detail-type}\n"
        '          input_template: \'{"kind": <kind>, "cost": "${5}"}\'\n',
        encoding="utf-8",
    )
    export("cloudformation", tmp_path / "t.json", "--topology", topology)
    template = (tmp_path / "t.json").read_text(encoding="utf-8")
    assert '"Name": {\n          "Fn::Sub": "${NamePrefix}shop"' in template
    assert "orders" not in template  # nothing of the services' topology
    assert "audit-all-audit-delivery-dlq" not in template  # the file names the target's DLQ
    export("terraform", tmp_path / "infra", "--topology", topology)
    main = (tmp_path / "infra" / "modules" / "orderflow" / "main.tf").read_text(encoding="utf-8")
    # a literal ${ in a template is escaped, so Terraform does not interpolate it
    assert 'input_template = "{\\"kind\\": <kind>, \\"cost\\": \\"$${5}\\"}"' in main
    assert "maximum_retry_attempts = 4" in main


def test_a_bad_topology_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    topology = tmp_path / "bad.yaml"
    topology.write_text(
        "rules:\n  r:\n    pattern: {source: [a]}\n    targets: [{queue: nope}]\n", encoding="utf-8"
    )
    result = run("terraform", tmp_path / "out", "--topology", topology)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {topology}: rules.r.targets[0]: unknown queue 'nope' (line 4)"
    ]
    assert not (tmp_path / "out").exists()
    missing = run("cloudformation", tmp_path / "t.json", "--topology", tmp_path / "missing.yaml")
    assert missing.exit_code == 2
    assert "missing.yaml: no such file" in missing.stderr


def test_an_output_that_cannot_be_written_is_exit_2(tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.write_text("a file, not a directory", encoding="utf-8")
    into_file = run("terraform", occupied)
    assert into_file.exit_code == 2
    assert into_file.stderr.strip() == f"error: {occupied}: is not a directory"
    under_file = run("cloudformation", occupied / "template.json")
    assert under_file.exit_code == 2
    assert f"error: {occupied / 'template.json'}: cannot be written" in under_file.stderr


def test_names_too_long_for_a_prefix_are_refused(tmp_path: Path) -> None:
    topology = tmp_path / "long.yaml"
    long_name = "q" * 60  # SQS takes 80: with a prefix of up to 24, 56 at most
    topology.write_text(f"queues:\n  {long_name}: {{}}\n", encoding="utf-8")
    result = run("cloudformation", tmp_path / "t.json", "--topology", topology)
    assert result.exit_code == 2
    assert f"queue '{long_name}': 60 characters" in result.stderr


def test_lambda_consumers_need_a_consumer_queue(tmp_path: Path) -> None:
    topology = tmp_path / "plain.yaml"
    topology.write_text("queues:\n  jobs: {}\n", encoding="utf-8")
    result = run("terraform", tmp_path / "infra", "--topology", topology, "--consumers", "lambda")
    assert result.exit_code == 2
    assert "--consumers lambda: the topology has none of the consumers' queues" in result.stderr
    example = run(
        "cloudformation", tmp_path / "t.json", "--topology", EXAMPLE, "--consumers", "lambda"
    )
    assert example.exit_code == 0, example.output


WIDE = """\
buses: {shop: {description: Shop events}}
queues:
  jobs.fifo: {attributes: {FifoQueue: true, ContentBasedDeduplication: true}}
  jobs-dlq.fifo: {attributes: {FifoQueue: true}}
  audit: {attributes: {KmsMasterKeyId: alias/audit, DelaySeconds: 5}}
rules:
  every-sale:
    bus: shop
    state: DISABLED
    pattern: {detail-type: [Sale], detail: {total: [{numeric: [">", 100]}]}}
    targets:
      - function: bill-sale
        input_path: $.detail
      - queue: jobs.fifo
        message_group_id: sales
        dead_letter_queue: jobs-dlq.fifo
      - arn: arn:aws:sns:eu-west-1:111122223333:elsewhere
        id: elsewhere
        input: {fixed: true}
  to-default:
    bus: shop
    pattern: {source: [shop]}
    targets: [{bus: default}, {queue: audit, id: audit.v1}]
archives:
  sales: {bus: shop, pattern: {detail-type: [Sale]}, retention_days: 30}
"""


def test_every_kind_of_target_exports_to_a_template_cfn_lint_accepts(tmp_path: Path) -> None:
    topology = tmp_path / "wide.yaml"
    topology.write_text(WIDE, encoding="utf-8")
    export("cloudformation", tmp_path / "t.json", "--topology", topology)
    text = (tmp_path / "t.json").read_text(encoding="utf-8")
    assert [str(m) for m in lint_all(text) if m.rule.id[0] in "EW"] == []
    resources = json.loads(text)["Resources"]
    targets = {t["Id"]: t for t in resources["RuleEverySale"]["Properties"]["Targets"]}
    assert targets["bill-sale"]["Arn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:"
        "function:${NamePrefix}bill-sale"
    }
    assert targets["bill-sale"]["InputPath"] == "$.detail"
    assert targets["jobs.fifo"]["SqsParameters"] == {"MessageGroupId": "sales"}
    assert targets["jobs.fifo"]["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["QueueJobsDlqFifo", "Arn"]}
    }
    assert targets["elsewhere"]["Arn"] == "arn:aws:sns:eu-west-1:111122223333:elsewhere"
    assert targets["elsewhere"]["Input"] == '{"fixed":true}'
    assert "RoleArn" not in targets["elsewhere"]  # an ARN's access is its owner's to grant
    permission = resources["PermissionEverySaleBillSale"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:"
        "rule/${NamePrefix}shop/${NamePrefix}every-sale"
    }
    default_target = resources["RuleToDefault"]["Properties"]["Targets"][0]
    assert default_target["Arn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"
    }
    assert "RoleArn" in default_target
    audit = resources["QueueAudit"]["Properties"]
    assert audit["KmsMasterKeyId"] == "alias/audit" and "SqsManagedSseEnabled" not in audit
    assert audit["DelaySeconds"] == 5
    assert resources["RuleEverySale"]["Properties"]["State"] == "DISABLED"
    assert resources["ArchiveSales"]["Properties"]["RetentionDays"] == 30
    made = resources["QueueToDefaultAuditV1DeliveryDlq"]["Properties"]["QueueName"]
    assert made == {"Fn::Sub": "${NamePrefix}to-default-audit-v1-delivery-dlq"}
    export("terraform", tmp_path / "infra", "--topology", topology)
    main = (tmp_path / "infra" / "modules" / "orderflow" / "main.tf").read_text(encoding="utf-8")
    hcl2.loads(main)
    assert 'resource "aws_lambda_permission" "every_sale_bill_sale"' in main
    assert 'message_group_id = "sales"' in main
