"""IAM and resource policy documents of the deployment, as JSON-shaped values (each
renderer then writes the deploy-time values in them)."""

from __future__ import annotations

from typing import Final

from orderflow.adapters.aws.deploy.model import Role, Statement
from orderflow.adapters.aws.deploy.values import Account, Arn, Value

VERSION: Final = "2012-10-17"
ACCOUNT_ROOT: Final = Arn("iam", ("root",), regional=False)


def document(statements: tuple[Statement, ...] | list[Statement]) -> dict[str, Value]:
    """A policy document of ``statements``."""
    return {"Version": VERSION, "Statement": [statement_of(s) for s in statements]}


def statement_of(statement: Statement) -> dict[str, Value]:
    written: dict[str, Value] = {
        "Sid": statement.sid,
        "Effect": "Allow",
        "Action": list(statement.actions),
        "Resource": list(statement.resources),
    }
    if statement.service is not None:
        written["Principal"] = {"Service": statement.service}
    if statement.source_arn is not None:
        written["Condition"] = {"ArnEquals": {"aws:SourceArn": statement.source_arn}}
    return written


def trust_policy(role: Role) -> dict[str, Value]:
    """Who may assume ``role``: its service, in this account, for its one source."""
    condition: dict[str, Value] = {"StringEquals": {"aws:SourceAccount": Account()}}
    if role.source_arn is not None:
        condition["ArnEquals"] = {"aws:SourceArn": role.source_arn}
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": role.service},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ],
    }


def alerts_key_policy() -> dict[str, Value]:
    """The alerts topic's key: the account administers it; CloudWatch alarms (and only
    they, besides) may use it to publish to the topic."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": ACCOUNT_ROOT},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "AlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
        ],
    }
