"""The values a deployment's properties hold: plain JSON, and what only the stack knows
at deploy time (another resource's ARN, a name with the environment's prefix, a
parameter, an ARN in the stack's partition, region and account).

Each renderer (CloudFormation, Terraform) writes these in its own syntax; the
deployment model itself names no syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

Kind = Literal["bus", "queue", "rule", "role", "topic", "key", "function", "log_group"]
Attribute = Literal["arn", "name", "url"]


@dataclass(frozen=True)
class Ref:
    """An attribute of another resource of the deployment (``kind`` and ``key``)."""

    kind: Kind
    key: str
    attribute: Attribute = "arn"


@dataclass(frozen=True)
class Name:
    """A resource name: ``text`` after the environment's name prefix (and ``lead``,
    such as a log group's ``/aws/lambda/``, before it). ``Name("")`` is the prefix."""

    text: str
    lead: str = ""


@dataclass(frozen=True)
class Var:
    """A deployment parameter (a Terraform variable, a CloudFormation parameter)."""

    name: str


@dataclass(frozen=True)
class Arn:
    """An ARN in the stack's own partition, region (unless ``regional`` is False) and
    account: ``arn:PARTITION:SERVICE:REGION:ACCOUNT:`` then ``resource``'s parts."""

    service: str
    resource: tuple[str | Name, ...]
    regional: bool = True


@dataclass(frozen=True)
class Account:
    """The stack's account id."""


Value: TypeAlias = (
    str
    | int
    | bool
    | Ref
    | Name
    | Var
    | Arn
    | Account
    | Sequence["Value"]
    | Mapping[str, "Value"]
    | None
)
"""A property's value: JSON, where any part may be one of the deploy-time values."""

Part: TypeAlias = Ref | Name | Var | Arn | Account
"""What only the stack knows: each renderer writes it its own way."""


def render(value: Value, part: Callable[[Part], Any]) -> Any:
    """``value`` as JSON, each deploy-time part written by ``part``."""
    if isinstance(value, Ref | Name | Var | Arn | Account):
        return part(value)
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {key: render(item, part) for key, item in value.items()}
    return [render(item, part) for item in value]
