"""A small writer of HCL (Terraform's syntax): blocks, attributes, expressions and
comments, written in a fixed layout (objects' keys sorted), so the same input writes
the same text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

INDENT: Final = "  "
_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Expr:
    """An expression written as it is: ``var.tags``, ``aws_sqs_queue.orders.arn``."""

    text: str


@dataclass(frozen=True)
class Template:
    """A string with interpolations: literal parts, and expressions as ``${...}``."""

    parts: tuple[str | Expr, ...]


@dataclass(frozen=True)
class Call:
    """A function call: ``jsonencode({...})``, ``merge(a, b)``."""

    function: str
    arguments: tuple[HclValue, ...]


HclValue: TypeAlias = (
    str
    | int
    | bool
    | Expr
    | Template
    | Call
    | Sequence["HclValue"]
    | Mapping[str, "HclValue"]
    | None
)


@dataclass(frozen=True)
class Attribute:
    name: str
    value: HclValue


@dataclass(frozen=True)
class Comment:
    text: str


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: tuple[Item, ...]


Item: TypeAlias = Attribute | Block | Comment


def document(items: Sequence[Item]) -> str:
    """A file of top-level ``items``, a blank line between blocks."""
    return "\n".join(_item(item, 0) for item in items)


def _item(item: Item, depth: int) -> str:
    pad = INDENT * depth
    if isinstance(item, Comment):
        return f"{pad}# {item.text}\n"
    if isinstance(item, Attribute):
        return f"{pad}{item.name} = {_value(item.value, depth)}\n"
    labels = "".join(f' "{label}"' for label in item.labels)
    body = "".join(_item(inner, depth + 1) for inner in item.body)
    return f"{pad}{item.type}{labels} {{\n{body}{pad}}}\n"


def quoted(text: str) -> str:
    """``text`` as an HCL string literal (``${`` and ``%{`` kept literal)."""
    return f'"{_escaped(text)}"'


def _escaped(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text.replace("${", "$${").replace("%{", "%%{")


def _value(value: HclValue, depth: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, Template):
        inner = "".join(
            f"${{{part.text}}}" if isinstance(part, Expr) else _escaped(part)
            for part in value.parts
        )
        return f'"{inner}"'
    if isinstance(value, Call):
        arguments = ", ".join(_value(argument, depth) for argument in value.arguments)
        return f"{value.function}({arguments})"
    pad = INDENT * depth
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        lines = "".join(
            f"{pad}{INDENT}{_key(key)} = {_value(value[key], depth + 1)}\n" for key in sorted(value)
        )
        return f"{{\n{lines}{pad}}}"
    items = [_value(item, depth + 1) for item in value]
    if not items:
        return "[]"
    lines = "".join(f"{pad}{INDENT}{item},\n" for item in items)
    return f"[\n{lines}{pad}]"


def _key(key: str) -> str:
    return key if _IDENTIFIER.match(key) else quoted(key)
