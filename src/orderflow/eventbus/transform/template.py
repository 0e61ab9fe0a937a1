"""InputTemplate: finding the ``<name>`` placeholders, JSON or text template, filling them in.

[guide] and [rec] are the sources cited in the package docstring
(``orderflow.eventbus.transform``).

Filling in a placeholder
------------------------
The template is scanned once, tracking whether each placeholder sits inside a
JSON string literal (between unescaped double quotes). A template is a *JSON
template* when it parses as JSON with every placeholder outside a string replaced
by ``null`` and every one inside a string removed; otherwise it is a *text
template* (``<instance> is in state <status>``, allowed by the API reference).

- Inside a string literal, a string value is inserted as is, without quotes and
  without JSON escaping ([guide], "Common issues": "EventBridge doesn't escape
  values extracted by Input Path"); numbers, booleans and null as their JSON
  text; an object or array as its JSON text with every ``"`` removed ([guide]:
  "If a JSON path references a JSON object or array, but the variable is
  referenced in a string, EventBridge removes any internal quotes", so
  ``"Detail is <detail>"`` gives ``"Detail is {instance-id:i-0123456789,state:RUNNING}"``).
  A value holding ``"`` or a newline thus yields invalid JSON, as on AWS.
- Outside string literals in a JSON template, the value's JSON text is inserted:
  strings get quotes and escaping ([guide]: "EventBridge automatically adds quotes
  to string variable values ... EventBridge does not add quotes to variables that
  represent JSON objects or arrays").
- Outside string literals in a text template, strings are inserted as is and
  other values as their JSON text.
- A path that does not exist in the event gives the empty string. [guide] says
  such a variable "isn't created and won't appear in the output"; [rec] shows
  what that means on AWS: ``"... from detail <command>"`` became ``"... from
  detail "`` and the unquoted ``{"command": <command>}`` became ``{"command": ""}``.
  A path whose value is JSON null exists and inserts ``null``.

The template's own text (whitespace, escapes such as ``\\"``) is kept verbatim;
inserted JSON is compact (``,`` and ``:`` without spaces: [guide], "The JSON that
is passed to the target is minified"; see ``serialize``).

Choices where AWS is silent or unknown (tests pin each one)
-----------------------------------------------------------
- A placeholder is ``<`` + one or more characters other than ``<``, ``>``, ``"``
  and whitespace + ``>`` (so ``a < b > c`` is plain text, but ``<b>`` and ``</b>``
  are placeholders; the guide's older page, .../userguide/transform-input.html:
  "The characters "<" and ">" cannot be escaped"). Which names a placeholder may
  use is checked when the target is defined (see ``target``).
- A template that starts with ``{`` but is not JSON is accepted and rendered as a
  text template (the API reference restricts such templates but names no error).
  The CloudWatch Logs example of [guide], which shows ``<timestamp>`` inserted
  unquoted into JSON, is target-specific behaviour we do not model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from orderflow.eventbus.jsonpath import MISSING, JsonPath
from orderflow.eventbus.transform.serialize import dumps

__all__ = ["Slot", "Template", "fill", "is_json_template", "scan_template"]

_PLACEHOLDER: Final = re.compile(r'<([^<>\s"]+)>')


@dataclass(frozen=True, slots=True)
class Slot:
    """A placeholder in a template: the variable's name and whether it sits inside a string."""

    name: str
    in_string: bool


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled InputTemplate: literal text and slots, its mode, the paths of its variables."""

    parts: tuple[str | Slot, ...]
    json_mode: bool
    paths: Mapping[str, JsonPath]


def scan_template(template: str) -> tuple[str | Slot, ...]:
    """Split ``template`` into literal text and placeholders, noting which sit inside strings."""
    parts: list[str | Slot] = []
    literal: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        char = template[i]
        if char == "<" and (match := _PLACEHOLDER.match(template, i)):
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Slot(match.group(1), in_string))
            i = match.end()
            continue
        if char == '"':
            in_string = not in_string
        elif char == "\\" and in_string and template[i + 1 : i + 2] in ('"', "\\"):
            literal.append(template[i : i + 2])
            i += 2
            continue
        literal.append(char)
        i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def is_json_template(parts: tuple[str | Slot, ...]) -> bool:
    """Whether the template is JSON once placeholders are stood in for (see module docstring)."""
    probe = "".join(
        part if isinstance(part, str) else ("" if part.in_string else "null") for part in parts
    )
    try:
        orjson.loads(probe)
    except orjson.JSONDecodeError:
        return False
    return True


def fill(
    template: Template,
    event: Mapping[str, Any],
    reserved: Mapping[str, Callable[[], object]],
) -> str:
    """The template with every slot filled; each variable is resolved and encoded once.

    A slot that is not one of ``template.paths`` takes its value from ``reserved``.
    """
    encoded: dict[tuple[str, bool], str] = {}
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        cache_key = (part.name, part.in_string)
        text = encoded.get(cache_key)
        if text is None:
            if part.name in template.paths:
                value = template.paths[part.name].select(event)
            else:
                value = reserved[part.name]()
            text = _insert(value, in_string=part.in_string, json_mode=template.json_mode)
            encoded[cache_key] = text
        out.append(text)
    return "".join(out)


def _insert(value: object, *, in_string: bool, json_mode: bool) -> str:
    """The text a slot becomes for ``value`` (``MISSING`` counts as the empty string)."""
    if value is MISSING:
        value = ""
    if isinstance(value, str) and (in_string or not json_mode):
        return value
    text = dumps(value)
    if in_string and isinstance(value, Mapping | list | tuple):
        return text.replace('"', "")
    return text
