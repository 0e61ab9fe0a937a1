"""The SQS query protocol's requests: a flat form (``Action=SendMessage&QueueUrl=...``)
read into the members the JSON protocol carries.

Lists and maps are flattened with 1-based indexes: ``AttributeName.1=All``,
``Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=30``,
``SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=x``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from orderflow.entrypoints.aws_api.errors import SerializationException

LISTS: Final = {
    "AttributeName": "AttributeNames",
    "MessageSystemAttributeName": "MessageSystemAttributeNames",
    "MessageAttributeName": "MessageAttributeNames",
    "TagKey": "TagKeys",
    "SendMessageBatchRequestEntry": "Entries",
    "DeleteMessageBatchRequestEntry": "Entries",
    "ChangeMessageVisibilityBatchRequestEntry": "Entries",
}
"""Flattened list members and the JSON member each stands for."""

MAPS: Final = {
    "Attribute": ("Attributes", "Name", "Value"),
    "MessageAttribute": ("MessageAttributes", "Name", "Value"),
    "MessageSystemAttribute": ("MessageSystemAttributes", "Name", "Value"),
    "Tag": ("Tags", "Key", "Value"),
}
"""Flattened map members: the JSON member, and the fields holding each key and value."""

MAX_DEPTH: Final = 8


def query_members(pairs: Iterable[tuple[str, str]]) -> tuple[str | None, dict[str, Any]]:
    """(the Action, the request's members as the JSON protocol would carry them)."""
    tree: dict[str, Any] = {}
    action: str | None = None
    for key, value in pairs:
        if key == "Action":
            action = value
            continue
        _place(tree, key.split("."), value)
    members = _members(tree)
    if action == "CreateQueue" and "Tags" in members:
        members["tags"] = members.pop("Tags")  # CreateQueue's member is lower-case
    return action, members


def _place(tree: dict[str, Any], path: list[str], value: str) -> None:
    if len(path) > MAX_DEPTH or any(not part for part in path):
        raise SerializationException(f"The parameter {'.'.join(path)} is not valid.")
    node = tree
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise SerializationException(f"The parameter {'.'.join(path)} is not valid.")
        node = child
    node[path[-1]] = value


def _members(node: dict[str, Any]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key, value in node.items():
        if key in LISTS and isinstance(value, dict):
            members[LISTS[key]] = [_value(item) for item in _indexed(key, value)]
        elif key in MAPS and isinstance(value, dict):
            member, key_field, value_field = MAPS[key]
            entries = [item for item in _indexed(key, value) if isinstance(item, dict)]
            members[member] = {
                str(item.get(key_field, "")): _value(item.get(value_field, "")) for item in entries
            }
        else:
            members[key] = _value(value)
    return members


def _value(value: Any) -> Any:
    return _members(value) if isinstance(value, dict) else value


def _indexed(name: str, items: dict[str, Any]) -> list[Any]:
    try:
        ordered = sorted((int(index), item) for index, item in items.items())
    except ValueError:
        raise SerializationException(f"The parameter {name} must be indexed from 1.") from None
    return [item for _, item in ordered]
