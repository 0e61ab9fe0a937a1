"""Parameter values as the AWS CLI reads them.

- ``file://path`` and ``fileb://path``: the file's contents (``load_parameter``);
- structures, lists and maps as JSON, maps and structures also in the CLI's
  shorthand ``Key=Value,Key2=Value2`` (``json_list``, ``string_map``, ``structure``);
- a list option followed by several values, ``--ids a b`` (``expand_list_options``);
- the root's ``--db`` after the command as well as before it (``hoist_db``);
- timestamps as ISO 8601 or seconds since the epoch (``timestamp``).

A value that cannot be read raises ``ParameterError`` with the AWS CLI's wording;
the CLI prints it and exits with status 252.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from orderflow.errors import OrderflowError

LIST_OPTIONS: Final = frozenset(
    {
        "--ids",
        "--attribute-names",
        "--message-attribute-names",
        "--message-system-attribute-names",
        "--entries",
        "--targets",
        "--tags",
    }
)
"""The options that take several values, as the AWS CLI's ``nargs='+'`` list parameters."""

COMMANDS_WITH_THEIR_OWN_DB: Final = frozenset({"serve", "apply"})

_NUMBER: Final = re.compile(r"^-\d+(\.\d+)?$")
_KEY: Final = re.compile(r"\s*([A-Za-z0-9_.:/-]+)\s*=")


class ParameterError(OrderflowError):
    """A command-line parameter could not be read (the AWS CLI's "Error parsing parameter")."""


def load_parameter(name: str, value: str) -> str:
    """The text of a parameter: the file's contents for ``file://`` and ``fileb://`` values."""
    for scheme in ("file://", "fileb://"):
        if value.startswith(scheme):
            path = Path(value.removeprefix(scheme)).expanduser()
            try:
                return path.read_text(encoding="utf-8")
            except FileNotFoundError:
                message = f"Error parsing parameter '{name}': Unable to load paramfile {value}"
                raise ParameterError(f"{message}: [Errno 2] No such file or directory") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ParameterError(
                    f"Error parsing parameter '{name}': Unable to load paramfile {value}: {exc}"
                ) from exc
    return value


def expand_list_options(argv: Sequence[str], options: frozenset[str] = LIST_OPTIONS) -> list[str]:
    """``--ids a b --rule r`` as click understands it: ``--ids a --ids b --rule r``.

    As with the AWS CLI, a list option takes every value up to the next option.
    """
    expanded: list[str] = []
    current: str | None = None
    values = 0
    for position, token in enumerate(argv):
        if token == "--":
            expanded.extend(argv[position:])
            break
        if token.startswith("-") and not _NUMBER.match(token):
            current = token if token in options else None
            values = 0
        elif current is not None:
            if values:
                expanded.append(current)
            values += 1
        expanded.append(token)
    return expanded


def json_value(name: str, value: str) -> Any:
    """A JSON parameter (or ``file://`` holding JSON)."""
    text = load_parameter(name, value)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParameterError(
            f"Error parsing parameter '{name}': Invalid JSON: {exc}\nJSON received: {text}"
        ) from None


def json_list(
    name: str,
    values: str | Sequence[str],
    member: str,
    integers: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """A list of structures (``--entries``, ``--targets``, ``--tags``): one JSON list (or
    ``file://`` holding one), or, as the AWS CLI takes them, one value per structure, each
    JSON or shorthand (``--targets Id=q1,Arn=arn:... Id=q2,Arn=arn:...``). Shorthand values
    are text; those of ``integers`` are read as whole numbers, as the CLI's model would."""
    given = [values] if isinstance(values, str) else list(values)
    texts = [load_parameter(name, value) for value in given]
    if len(texts) == 1 and texts[0].lstrip().startswith("["):
        document = json_value(name, texts[0])
        if not isinstance(document, list):
            raise _invalid_type(member, document, "<class 'list'>, <class 'tuple'>")
    else:
        document = [_structure_of(name, text, integers) for text in texts]
    for position, item in enumerate(document):
        if not isinstance(item, dict):
            raise _invalid_type(f"{member}[{position}]", item, "<class 'dict'>")
    return document


def _structure_of(name: str, text: str, integers: frozenset[str]) -> Any:
    if text.lstrip().startswith("{"):
        return json_value(name, text)
    document = shorthand(name, text)
    for key in integers & document.keys():
        try:
            document[key] = int(document[key])
        except (TypeError, ValueError):
            raise ParameterError(
                f"Error parsing parameter '{name}': {key} must be a whole number, "
                f"received: {document[key]!r}"
            ) from None
    return document


def structure(name: str, value: str, member: str) -> dict[str, Any]:
    """A structure, as JSON or shorthand (``--destination Arn=...,FilterArns=a,b``)."""
    text = load_parameter(name, value)
    document = json_value(name, text) if text.lstrip().startswith("{") else shorthand(name, text)
    if not isinstance(document, dict):
        raise _invalid_type(member, document, "<class 'dict'>")
    return document


def string_map(name: str, value: str, member: str) -> dict[str, str]:
    """A map of strings, as JSON or shorthand (``--attributes VisibilityTimeout=10``)."""
    document = structure(name, value, member)
    for key, item in document.items():
        if not isinstance(item, str):
            raise _invalid_type(f"{member}.{key}", item, "<class 'str'>")
    return document


def string_list(name: str, values: Sequence[str] | None) -> list[str]:
    """A list of strings: the values given, or one JSON list (``--ids '["a", "b"]'``)."""
    if not values:
        return []
    if len(values) == 1 and values[0].lstrip().startswith("["):
        document = json_value(name, values[0])
        if not isinstance(document, list) or not all(isinstance(v, str) for v in document):
            raise _invalid_type(name.removeprefix("--"), document, "<class 'list'>")
        return document
    return list(values)


def timestamp(name: str, value: str) -> datetime:
    """A point in time as the AWS CLI accepts it: ISO 8601 (UTC unless it says) or epoch
    seconds."""
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ParameterError(
            f"Error parsing parameter '{name}': Invalid timestamp value: {value!r} (use ISO "
            "8601, e.g. 2026-01-01T00:00:00Z, or seconds since the epoch)"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def shorthand(name: str, text: str) -> dict[str, Any]:
    """The AWS CLI's shorthand syntax for a flat structure: ``Key=Value,Other='a,b',L=[x,y]``.

    A bare value followed by values that are not ``Key=`` becomes a list (``L=x,y``).
    """
    result: dict[str, Any] = {}
    position = 0
    while position < len(text):
        found = _KEY.match(text, position)
        if found is None:
            raise ParameterError(
                f"Error parsing parameter '{name}': Expected: '=', received: "
                f"'{text[position : position + 1] or 'EOF'}' for input:\n{text}\n"
                f"{' ' * position}^"
            )
        key = found.group(1)
        values, position = _shorthand_values(name, text, found.end())
        result[key] = values[0] if len(values) == 1 else values
    return result


def _shorthand_values(name: str, text: str, position: int) -> tuple[list[Any], int]:
    values: list[Any] = []
    while True:
        value, position = _shorthand_value(name, text, position)
        values.append(value)
        if position >= len(text):
            return values, position
        if text[position] != ",":
            raise ParameterError(
                f"Error parsing parameter '{name}': Expected: ',', received: "
                f"'{text[position]}' for input:\n{text}\n{' ' * position}^"
            )
        # after the comma: either another value of this key or the next key
        position += 1
        if _KEY.match(text, position):
            return values, position


def _shorthand_value(name: str, text: str, position: int) -> tuple[Any, int]:
    if text.startswith("[", position):
        end = text.find("]", position)
        if end < 0:
            raise ParameterError(
                f"Error parsing parameter '{name}': Expected: ']' for input:\n{text}"
            )
        items = text[position + 1 : end]
        return [item.strip() for item in items.split(",") if item.strip()], _after(text, end + 1)
    if position < len(text) and text[position] in "'\"":
        quote = text[position]
        end = text.find(quote, position + 1)
        if end < 0:
            raise ParameterError(
                f"Error parsing parameter '{name}': Expected: '{quote}' for input:\n{text}"
            )
        return text[position + 1 : end], _after(text, end + 1)
    end = text.find(",", position)
    end = len(text) if end < 0 else end
    return text[position:end].strip(), end


def _after(text: str, position: int) -> int:
    """Where parsing goes on after a closed value: at the comma that follows, or the end."""
    rest = text[position:]
    stripped = rest.lstrip()
    return position + len(rest) - len(stripped)


def _invalid_type(member: str, value: Any, valid: str) -> ParameterError:
    return ParameterError(
        f"Parameter validation failed:\nInvalid type for parameter {member}, value: {value!r}, "
        f"type: {type(value)}, valid types: {valid}"
    )


def tag_list(name: str, value: Sequence[str] | None) -> dict[str, str]:
    """``--tags`` as EventBridge takes them: ``{"Key": ..., "Value": ...}`` structures (a
    JSON list, or ``Key=k,Value=v`` each)."""
    if not value:
        return {}
    tags: dict[str, str] = {}
    for position, item in enumerate(json_list(name, value, "Tags")):
        key, tag_value = item.get("Key"), item.get("Value")
        if not isinstance(key, str) or not isinstance(tag_value, str):
            raise _invalid_type(f"Tags[{position}]", item, "{'Key': <class 'str'>, 'Value': ...}")
        tags[key] = tag_value
    return tags


def hoist_db(
    argv: Sequence[str], keep_theirs: frozenset[str] = COMMANDS_WITH_THEIR_OWN_DB
) -> list[str]:
    """``orderflow queues --db shop.db`` read as ``orderflow --db shop.db queues``.

    click reads a group's options only before its sub-command, and ``--db`` belongs to
    the root: a ``--db PATH`` (or ``--db=PATH``) after the command is moved before it.
    The commands in ``keep_theirs`` have a ``--db`` of their own and keep it; nothing
    after ``--`` moves."""
    args = list(argv)
    start = 0
    while start < len(args) and args[start].startswith("-") and args[start] != "--":
        start += 2 if args[start] == "--db" else 1
    if start >= len(args) or args[start] in keep_theirs:
        return args
    moved: list[str] = []
    kept: list[str] = []
    index = start
    while index < len(args):
        token = args[index]
        if token == "--":
            kept.extend(args[index:])
            break
        if token == "--db" and index + 1 < len(args):
            moved += args[index : index + 2]
            index += 2
            continue
        (moved if token.startswith("--db=") else kept).append(token)
        index += 1
    return args[:start] + moved + kept
