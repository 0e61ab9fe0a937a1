"""The JSONPath subset EventBridge evaluates for ``InputPath`` and ``InputPathsMap``.

EventBridge "does not support all JSON Path syntax"; the user guide lists what it
does support: dot notation (``$.detail``), dashes, underscores, alphanumeric
characters, array indices, wildcards (``*``) and forward slashes
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
The API reference adds that ``InputPath`` "may use JSON dot notation or bracket
notation" (botocore model, ``Target.InputPath``). This module accepts exactly:

    $                         the whole document
    .name                     a member; name is letters, digits, ``_``, ``-``, ``/``
    ['any text'] ["any text"] a member named by a quoted string (``\\'``, ``\\"``, ``\\\\`` escape)
    [3] [-1]                  an array element; a negative index counts from the end
    .* [*]                    every member value of an object / every element of an array

Everything else is a syntax error: whitespace, recursive descent (``..``),
slices, unions, filters and script expressions. ``compile_path`` raises
``ValidationException`` naming the offending position.

Selection. A path without a wildcard is *definite*: ``select`` returns the one
value it names, or ``MISSING`` when any step does not exist (a member of a
non-object, an index out of range or on a non-array). A path with a wildcard is
*indefinite*: ``select`` returns the list of every value it reaches, in document
order, skipping branches where a later step does not exist; that list may be
empty and is never ``MISSING``. AWS does not document what a wildcard yields; this
follows the convention of Jayway JsonPath (the Java library whose definite /
indefinite split EventBridge's JSONPath dialect appears to share) and is our
choice, not a documented AWS fact.

Pure functions over already-decoded JSON (``dict``/``list``/scalars); no I/O,
no recursion (paths are short, documents are walked step by step).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from orderflow.eventbus.errors import ValidationException

__all__ = ["MISSING", "WILDCARD", "JsonPath", "Missing", "Step", "Wildcard", "compile_path"]


class Missing(enum.Enum):
    """The type of ``MISSING``: what ``select`` returns when a definite path names nothing."""

    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


class Wildcard(enum.Enum):
    """The type of ``WILDCARD``: the ``*`` step."""

    WILDCARD = "*"

    def __repr__(self) -> str:
        return "WILDCARD"


MISSING: Final = Missing.MISSING
WILDCARD: Final = Wildcard.WILDCARD

Step = str | int | Wildcard
"""One step of a path: a member name, an array index, or ``WILDCARD``."""


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled path: the source ``text`` and its ``steps`` after ``$``."""

    text: str
    steps: tuple[Step, ...]

    @property
    def definite(self) -> bool:
        """True when the path names at most one value (it has no wildcard)."""
        return WILDCARD not in self.steps

    def select(self, document: object) -> object:
        """The value this path names in ``document``.

        Definite paths give the value or ``MISSING``; indefinite paths give a
        (possibly empty) list of every value reached. The returned objects are
        the document's own, not copies.
        """
        if self.definite:
            node = document
            for step in self.steps:
                node = _child(node, step)
                if node is MISSING:
                    return MISSING
            return node
        nodes: list[object] = [document]
        for step in self.steps:
            reached: list[object] = []
            for node in nodes:
                if step is WILDCARD:
                    reached.extend(_children(node))
                else:
                    child = _child(node, step)
                    if child is not MISSING:
                        reached.append(child)
            nodes = reached
        return nodes


def _child(node: object, step: str | int | Wildcard) -> object:
    """The member or element ``step`` names in ``node``, or ``MISSING``."""
    if isinstance(step, str):
        if isinstance(node, Mapping) and step in node:
            return node[step]
        return MISSING
    if isinstance(step, int) and isinstance(node, list | tuple) and -len(node) <= step < len(node):
        return node[step]
    return MISSING


def _children(node: object) -> list[object]:
    """Every member value of an object or element of an array; nothing for a scalar."""
    if isinstance(node, Mapping):
        return list(node.values())
    if isinstance(node, list | tuple):
        return list(node)
    return []


_NAME_PUNCTUATION: Final = frozenset("_-/")


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char in _NAME_PUNCTUATION


def compile_path(text: str) -> JsonPath:
    """Parse ``text`` into a ``JsonPath``; raise ``ValidationException`` outside the subset."""
    if not text.startswith("$"):
        raise _syntax_error(text, 0, "a JSONPath must start with '$'")
    steps: list[Step] = []
    pos = 1
    while pos < len(text):
        char = text[pos]
        if char == ".":
            pos = _parse_dot_step(text, pos + 1, steps)
        elif char == "[":
            pos = _parse_bracket_step(text, pos + 1, steps)
        else:
            raise _syntax_error(text, pos, f"expected '.' or '[' but found {char!r}")
    return JsonPath(text=text, steps=tuple(steps))


def _parse_dot_step(text: str, pos: int, steps: list[Step]) -> int:
    """Parse the step after a '.', append it, return the position after it."""
    if pos >= len(text):
        raise _syntax_error(text, pos, "expected a member name after '.'")
    if text[pos] == "*":
        steps.append(WILDCARD)
        return pos + 1
    if text[pos] == ".":
        raise _syntax_error(text, pos, "recursive descent '..' is not supported")
    end = pos
    while end < len(text) and _is_name_char(text[end]):
        end += 1
    if end == pos:
        raise _syntax_error(
            text, pos, f"{text[pos]!r} is not allowed in a dotted name; use ['...'] instead"
        )
    steps.append(text[pos:end])
    return end


def _parse_bracket_step(text: str, pos: int, steps: list[Step]) -> int:
    """Parse the step after a '[', append it, return the position after its ']'."""
    if pos >= len(text):
        raise _syntax_error(text, pos, "unclosed '['")
    char = text[pos]
    if char == "*":
        steps.append(WILDCARD)
        end = pos + 1
    elif char in "'\"":
        name, end = _parse_quoted(text, pos)
        steps.append(name)
    elif char == "-" or char.isdigit():
        index, end = _parse_index(text, pos)
        steps.append(index)
    else:
        raise _syntax_error(
            text,
            pos,
            "expected an index, a quoted name or '*' inside '[...]' (filters, "
            "slices and script expressions are not supported)",
        )
    if end >= len(text) or text[end] != "]":
        found = repr(text[end]) if end < len(text) else "the end"
        raise _syntax_error(text, end, f"expected ']' but found {found}")
    return end + 1


def _parse_quoted(text: str, pos: int) -> tuple[str, int]:
    """Parse a quoted member name starting at the quote; return it and the position after."""
    quote = text[pos]
    chars: list[str] = []
    i = pos + 1
    while i < len(text):
        char = text[i]
        if char == quote:
            return "".join(chars), i + 1
        if char == "\\":
            if i + 1 < len(text) and text[i + 1] in (quote, "\\"):
                chars.append(text[i + 1])
                i += 2
                continue
            raise _syntax_error(text, i, f"only \\{quote} and \\\\ may be escaped in a quoted name")
        chars.append(char)
        i += 1
    raise _syntax_error(text, pos, "unterminated quoted name")


def _parse_index(text: str, pos: int) -> tuple[int, int]:
    """Parse an array index (optional '-', no leading zeros); return it and the position after."""
    end = pos + 1 if text[pos] == "-" else pos
    digits_start = end
    while end < len(text) and text[end].isascii() and text[end].isdigit():
        end += 1
    digits = text[digits_start:end]
    if not digits:
        raise _syntax_error(text, pos, "expected digits of an array index")
    if len(digits) > 1 and digits[0] == "0":
        raise _syntax_error(text, pos, "an array index may not have leading zeros")
    if text[pos] == "-" and digits == "0":
        raise _syntax_error(text, pos, "-0 is not an array index")
    return int(text[pos:end]), end


def _syntax_error(text: str, pos: int, reason: str) -> ValidationException:
    return ValidationException(f"Invalid JSONPath {text!r} at character {pos}: {reason}.")
