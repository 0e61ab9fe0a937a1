"""A request's parameters, read with the types the operation's model gives them.

Both protocols end up here: the JSON protocols hand over the decoded body; the SQS
query protocol hands over the form, already nested (``sqs_query``). A required member
that is absent raises the service's own wording; a member of the wrong type raises
``SerializationException``, as AWS does for a body its model cannot read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from orderflow.entrypoints.aws_api.errors import SerializationException
from orderflow.eventbus.errors import AwsError

MissingError = Callable[[str], AwsError]
"""Builds the error a service answers when a required member is absent."""


class Params:
    """Typed access to the members of one request."""

    def __init__(self, members: Mapping[str, Any], missing: MissingError) -> None:
        self.members = members
        self._missing = missing

    def required(self, name: str) -> Any:
        value = self.members.get(name)
        if value is None:
            raise self._missing(name)
        return value

    def text(self, name: str) -> str:
        value = self.required(name)
        if not isinstance(value, str):
            raise _wrong(name, "a string")
        return value

    def optional_text(self, name: str) -> str | None:
        value = self.members.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise _wrong(name, "a string")
        return value

    def optional_integer(self, name: str) -> int | None:
        value = self.members.get(name)
        if value is None:
            return None
        if isinstance(value, str):  # the query protocol carries numbers as text
            try:
                return int(value)
            except ValueError:
                raise _wrong(name, "an integer") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(name, "an integer")
        return value

    def integer(self, name: str, default: int) -> int:
        value = self.optional_integer(name)
        return default if value is None else value

    def text_list(self, name: str) -> list[str]:
        value = self.members.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise _wrong(name, "a list of strings")
        return value

    def objects(self, name: str) -> list[dict[str, Any]]:
        """A required list of structures (entries, targets)."""
        value = self.required(name)
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise _wrong(name, "a list of structures")
        return value

    def text_map(self, name: str) -> dict[str, str]:
        value = self.members.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise _wrong(name, "a map of strings")
        return value

    def structure(self, name: str) -> dict[str, Any] | None:
        value = self.members.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _wrong(name, "a structure")
        return value

    def number(self, name: str) -> int | float:
        """A required timestamp or number (JSON timestamps are epoch seconds)."""
        value = self.required(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong(name, "a number")
        return value


def _wrong(name: str, described: str) -> SerializationException:
    return SerializationException(f"Value for member {name} must be {described}.")


def tag_pairs(items: list[dict[str, Any]]) -> dict[str, str]:
    """EventBridge's tag list ``[{"Key", "Value"}]`` as a map."""
    tags: dict[str, str] = {}
    for item in items:
        key, value = item.get("Key"), item.get("Value")
        if not isinstance(key, str) or not isinstance(value, str):
            raise SerializationException("Each tag must have a string Key and Value.")
        tags[key] = value
    return tags
