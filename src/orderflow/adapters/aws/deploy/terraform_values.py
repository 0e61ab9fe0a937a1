"""The deployment's values in Terraform's terms: references to the module's resources,
names after ``var.name_prefix``, variables, ARNs built from the ``data`` sources of
partition, region and account; and resource blocks, each address given once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from orderflow.adapters.aws.deploy.errors import ExportError
from orderflow.adapters.aws.deploy.hcl import Block, Call, Expr, HclValue, Item, Template
from orderflow.adapters.aws.deploy.names import snake
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


class TerraformValues:
    """Writes values, and resource blocks (refusing two at one address)."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}

    def value(self, value: Value) -> HclValue:
        """``value`` in Terraform's terms (expressions for deploy-time parts)."""
        written: HclValue = render(value, self.part)
        return written

    def part(self, part: Part) -> HclValue:
        if isinstance(part, Ref):
            return Expr(self.address(part))
        if isinstance(part, Name):
            return _name(part)
        if isinstance(part, Var):
            return Expr(f"var.{part.name}")
        if isinstance(part, Account):
            return Expr("data.aws_caller_identity.current.account_id")
        return _arn(part)

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


def _name(name: Name) -> Template:
    return Template(tuple(part for part in (name.lead, PREFIX, name.text) if part != ""))


def _arn(arn: Arn) -> Template:
    parts: list[str | Expr] = [
        "arn:",
        Expr("data.aws_partition.current.partition"),
        f":{arn.service}:",
    ]
    if arn.regional:
        parts.append(Expr("data.aws_region.current.region"))
    parts.extend([":", Expr("data.aws_caller_identity.current.account_id"), ":"])
    for part in arn.resource:
        parts.extend(_name(part).parts if isinstance(part, Name) else (part,))
    return Template(tuple(parts))
