"""What a rule target receives: the event, a constant, a JSONPath selection, or a template.

A target carries at most one of ``Input``, ``InputPath`` and ``InputTransformer``
(PutTargets). ``target_input`` validates that choice the way PutTargets does and
compiles it; ``render`` turns a matched event into the exact text delivered.

    kind              the target receives
    (none)            the whole event as compact JSON
    Input             the Input text, verbatim (it must be valid JSON)
    InputPath         the JSON of the value the path selects
    InputTransformer  InputTemplate with each ``<name>`` placeholder filled in

Sources: the user guide page "Amazon EventBridge input transformation"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html,
cited below as [guide]), the API reference for ``InputTransformer`` and ``Target``
and the botocore service model (limits, key pattern), and recordings made against
real AWS by LocalStack's AWS-validated tests
(``tests/aws/services/events/test_events_inputs.snapshot.json``, cited as [rec]).

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
is passed to the target is minified").

Reserved variables ([guide], "Predefined variables"), usable without a path:
``aws.events.rule-arn``, ``aws.events.rule-name``,
``aws.events.event.ingestion-time`` (strings, from ``render``'s arguments),
``aws.events.event.json`` (the whole event) and ``aws.events.event`` ("the original
event payload as JSON (without the detail field)"). [rec] shows the shape AWS
delivers for ``aws.events.event``: ``detail-type`` is renamed ``detailType`` and
the members come in the order id, account, detailType, time, source, region,
resources, version; members outside that list (``replay-name``) follow in event
order. [rec] labelled its ``time`` "ingestion-time" while the event was put without
a Time, so the two coincided; we use the event's own ``time`` (our choice).

Choices where AWS is silent or unknown (tests pin each one)
-----------------------------------------------------------
- A placeholder is ``<`` + one or more characters other than ``<``, ``>``, ``"``
  and whitespace + ``>`` (so ``a < b > c`` is plain text, but ``<b>`` and ``</b>``
  are placeholders; the guide's older page, .../userguide/transform-input.html:
  "The characters "<" and ">" cannot be escaped"). Every placeholder must name an
  InputPathsMap key or a reserved variable (AWS's error, seen in [rec]);
  ``<$.detail>`` (EventBridge Pipes syntax) is therefore an invalid placeholder here.
- A template that starts with ``{`` but is not JSON is accepted and rendered as a
  text template (the API reference restricts such templates but names no error).
  The CloudWatch Logs example of [guide], which shows ``<timestamp>`` inserted
  unquoted into JSON, is target-specific behaviour we do not model.
- InputPathsMap values and InputPath are validated as JSONPath when the target is
  defined (the brief's choice; [guide] says "There is no validation when creating
  JSON path for your template"). Bracket notation is accepted in both, though the
  API reference says InputPathsMap "must use JSON dot notation": its own examples
  use ``$.resources[0]``.
- Keys equal to a reserved variable, or starting with ``aws.`` in any case (the API
  reference: "The keys cannot start with "AWS.""), are refused with our own
  message before the key pattern is checked.
- An InputPath that selects nothing renders as the empty string, like a missing
  template variable (AWS does not document this case).
- Unknown AWS wordings are written in AWS's style: length and pattern limits use
  AWS's "1 validation error detected: ... failed to satisfy constraint: ..." form,
  naming the target id instead of AWS's positional ``targets.N.member`` and
  omitting the offending value; an invalid Input gives AWS's prefix "JSON syntax
  error in input for target X:" (seen in aws/aws-cli#6711) followed by our
  parser's reason, not Jackson's; an invalid JSONPath names the character position.
- Input validity uses a strict JSON parser (orjson): no NaN/Infinity, nesting at
  most 1024 deep (Jackson, AWS's parser, defaults to 1000).
- Output text never holds an unpaired UTF-16 surrogate: any that the event or
  template carries is written as a ``\\uXXXX`` escape, so the text always encodes
  as UTF-8. Non-finite floats, which JSON cannot express, are written as ``null``.

The event passed to ``render`` is decoded JSON: mappings with string keys,
lists/tuples, str, int, float, bool, None. Encoding is iterative, so any nesting
depth is fine. Output size is not bounded here: a template may repeat
``<aws.events.event.json>`` hundreds of times; the delivery layer enforces
payload limits.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import orjson

from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.jsonpath import MISSING, JsonPath, compile_path

__all__ = [
    "MAX_INPUT_LENGTH",
    "MAX_INPUT_PATHS",
    "MAX_INPUT_PATH_LENGTH",
    "MAX_INPUT_TEMPLATE_LENGTH",
    "RESERVED_VARIABLES",
    "InputKind",
    "InputTransformer",
    "TargetInput",
    "render",
    "target_input",
]

MAX_INPUT_LENGTH: Final = 8192
MAX_INPUT_PATH_LENGTH: Final = 256
MAX_INPUT_PATHS: Final = 100
MAX_INPUT_TEMPLATE_LENGTH: Final = 8192
_MAX_KEY_LENGTH: Final = 256

_RULE_ARN: Final = "aws.events.rule-arn"
_RULE_NAME: Final = "aws.events.rule-name"
_INGESTION_TIME: Final = "aws.events.event.ingestion-time"
_EVENT: Final = "aws.events.event"
_EVENT_JSON: Final = "aws.events.event.json"
RESERVED_VARIABLES: Final = frozenset({_RULE_ARN, _RULE_NAME, _INGESTION_TIME, _EVENT, _EVENT_JSON})

_KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9_\-]+")
_PLACEHOLDER: Final = re.compile(r'<([^<>\s"]+)>')
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# The member order AWS delivers for <aws.events.event> ([rec]); detail-type becomes detailType.
_EVENT_VARIABLE_ORDER: Final = (
    "id",
    "account",
    "detail-type",
    "time",
    "source",
    "region",
    "resources",
    "version",
)


class InputKind(enum.Enum):
    """Which of the four input modes a target uses (values are the PutTargets member names)."""

    EVENT = "Event"
    INPUT = "Input"
    INPUT_PATH = "InputPath"
    INPUT_TRANSFORMER = "InputTransformer"


@dataclass(frozen=True)
class InputTransformer:
    """PutTargets' ``InputTransformer``: variables by JSONPath, and the template that uses them.

    The map is copied into a read-only view, so later changes to the caller's
    dict do not leak in. Validation happens in ``target_input``.
    """

    input_paths_map: Mapping[str, str]
    input_template: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_paths_map", MappingProxyType(dict(self.input_paths_map)))

    def __hash__(self) -> int:
        return hash((frozenset(self.input_paths_map.items()), self.input_template))


@dataclass(frozen=True, slots=True)
class _Slot:
    """A placeholder in a template: the variable's name and whether it sits inside a string."""

    name: str
    in_string: bool


@dataclass(frozen=True, slots=True)
class _Template:
    """A compiled InputTemplate: literal text and slots, its mode, the paths of its variables."""

    parts: tuple[str | _Slot, ...]
    json_mode: bool
    paths: Mapping[str, JsonPath]


@dataclass(frozen=True)
class TargetInput:
    """A target's validated input: at most one of ``input``, ``input_path``, ``input_transformer``.

    Build it with ``target_input``; direct construction validates the same way.
    """

    target_id: str
    input: str | None = None
    input_path: str | None = None
    input_transformer: InputTransformer | None = None
    _compiled: JsonPath | _Template | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", _validate(self))

    @property
    def kind(self) -> InputKind:
        """The input mode this target uses."""
        if self.input is not None:
            return InputKind.INPUT
        if self.input_path is not None:
            return InputKind.INPUT_PATH
        if self.input_transformer is not None:
            return InputKind.INPUT_TRANSFORMER
        return InputKind.EVENT


def target_input(
    target_id: str,
    *,
    input: str | None = None,
    input_path: str | None = None,
    input_transformer: InputTransformer | None = None,
) -> TargetInput:
    """Validate a target's input choice as PutTargets does; raise ``ValidationException`` if bad."""
    return TargetInput(target_id, input, input_path, input_transformer)


def render(
    target_input: TargetInput,
    event: Mapping[str, Any],
    *,
    rule_arn: str,
    rule_name: str,
    ingestion_time: str,
) -> str:
    """The exact text the target receives for ``event`` (see the module docstring for the rules)."""
    compiled = target_input._compiled
    if target_input.input is not None:
        text = target_input.input
    elif isinstance(compiled, JsonPath):
        selected = compiled.select(event)
        text = "" if selected is MISSING else _dumps(selected)
    elif isinstance(compiled, _Template):
        text = _fill(compiled, event, rule_arn, rule_name, ingestion_time)
    else:
        text = _dumps(event)
    return _escape_lone_surrogates(text)


# --- validation -------------------------------------------------------------------------------


def _validate(target: TargetInput) -> JsonPath | _Template | None:
    """Check ``target`` as PutTargets would; return what ``render`` needs precompiled."""
    target_id = target.target_id
    chosen = [target.input, target.input_path, target.input_transformer]
    if sum(choice is not None for choice in chosen) > 1:
        raise ValidationException(
            "Only one of Input, InputPath, or InputTransformer must be provided "
            f"for target {target_id}."
        )
    if target.input is not None:
        _validate_input(target_id, target.input)
        return None
    if target.input_path is not None:
        return _compile_input_path(target_id, target.input_path)
    if target.input_transformer is not None:
        return _compile_transformer(target_id, target.input_transformer)
    return None


def _constraint(target_id: str, location: str, constraint: str) -> ValidationException:
    return ValidationException(
        f"1 validation error detected: Value at '{location}' of target {target_id} "
        f"failed to satisfy constraint: {constraint}"
    )


def _validate_input(target_id: str, text: str) -> None:
    if len(text) > MAX_INPUT_LENGTH:
        raise _constraint(
            target_id, "input", f"Member must have length less than or equal to {MAX_INPUT_LENGTH}"
        )
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise ValidationException(
            f"JSON syntax error in input for target {target_id}: {error}"
        ) from None


def _compile_input_path(target_id: str, text: str) -> JsonPath:
    if len(text) > MAX_INPUT_PATH_LENGTH:
        raise _constraint(
            target_id,
            "inputPath",
            f"Member must have length less than or equal to {MAX_INPUT_PATH_LENGTH}",
        )
    try:
        return compile_path(text)
    except ValidationException as error:
        raise ValidationException(
            f"InputPath for target {target_id} is not valid. {error.message}"
        ) from None


def _compile_transformer(target_id: str, transformer: InputTransformer) -> _Template:
    template = transformer.input_template
    paths_map = transformer.input_paths_map
    location = "inputTransformer.inputTemplate"
    if not template:
        raise _constraint(target_id, location, "Member must have length greater than or equal to 1")
    if len(template) > MAX_INPUT_TEMPLATE_LENGTH:
        raise _constraint(
            target_id,
            location,
            f"Member must have length less than or equal to {MAX_INPUT_TEMPLATE_LENGTH}",
        )
    if len(paths_map) > MAX_INPUT_PATHS:
        raise _constraint(
            target_id,
            "inputTransformer.inputPathsMap",
            f"Member must have length less than or equal to {MAX_INPUT_PATHS}",
        )
    for key, path in paths_map.items():
        _validate_paths_map_entry(target_id, key, path)
    paths: dict[str, JsonPath] = {}
    for key, path in paths_map.items():
        try:
            paths[key] = compile_path(path)
        except ValidationException as error:
            raise ValidationException(
                f"InputPathsMap value for key {key} of target {target_id} is not valid. "
                f"{error.message}"
            ) from None
    parts = _scan_template(template)
    used: dict[str, JsonPath] = {}
    for part in parts:
        if isinstance(part, str) or part.name in RESERVED_VARIABLES:
            continue
        if part.name not in paths:
            raise ValidationException(
                f"InputTemplate for target {target_id} contains invalid placeholder {part.name}."
            )
        used[part.name] = paths[part.name]
    return _Template(parts=parts, json_mode=_is_json_template(parts), paths=used)


def _validate_paths_map_entry(target_id: str, key: str, path: str) -> None:
    if key in RESERVED_VARIABLES or key.lower().startswith("aws."):
        raise ValidationException(
            f"InputPathsMap key {key} for target {target_id} is reserved: "
            'keys cannot start with "AWS." and cannot redefine the predefined aws.events variables.'
        )
    location = "inputTransformer.inputPathsMap"
    if not key:
        member = "Member must have length greater than or equal to 1"
    elif len(key) > _MAX_KEY_LENGTH:
        member = f"Member must have length less than or equal to {_MAX_KEY_LENGTH}"
    elif not _KEY_PATTERN.fullmatch(key):
        member = r"Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+"
    else:
        member = ""
    if member:
        raise _constraint(target_id, location, f"Map keys must satisfy constraint: [{member}]")
    if len(path) > MAX_INPUT_PATH_LENGTH:
        raise _constraint(
            target_id,
            location,
            "Map values must satisfy constraint: "
            f"[Member must have length less than or equal to {MAX_INPUT_PATH_LENGTH}]",
        )


def _scan_template(template: str) -> tuple[str | _Slot, ...]:
    """Split ``template`` into literal text and placeholders, noting which sit inside strings."""
    parts: list[str | _Slot] = []
    literal: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        char = template[i]
        if char == "<" and (match := _PLACEHOLDER.match(template, i)):
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(_Slot(match.group(1), in_string))
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


def _is_json_template(parts: tuple[str | _Slot, ...]) -> bool:
    """Whether the template is JSON once placeholders are stood in for (see module docstring)."""
    probe = "".join(
        part if isinstance(part, str) else ("" if part.in_string else "null") for part in parts
    )
    try:
        orjson.loads(probe)
    except orjson.JSONDecodeError:
        return False
    return True


# --- rendering --------------------------------------------------------------------------------


def _fill(
    template: _Template,
    event: Mapping[str, Any],
    rule_arn: str,
    rule_name: str,
    ingestion_time: str,
) -> str:
    """The template with every slot filled; each variable is resolved and encoded once."""
    reserved: dict[str, Callable[[], object]] = {
        _RULE_ARN: lambda: rule_arn,
        _RULE_NAME: lambda: rule_name,
        _INGESTION_TIME: lambda: ingestion_time,
        _EVENT: lambda: _event_without_detail(event),
        _EVENT_JSON: lambda: event,
    }
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
    text = _dumps(value)
    if in_string and isinstance(value, Mapping | list | tuple):
        return text.replace('"', "")
    return text


def _event_without_detail(event: Mapping[str, Any]) -> dict[str, Any]:
    """``<aws.events.event>``: the envelope without ``detail``, shaped as AWS delivers it."""
    shaped: dict[str, Any] = {}
    for key in _EVENT_VARIABLE_ORDER:
        if key in event:
            shaped["detailType" if key == "detail-type" else key] = event[key]
    for key, value in event.items():
        if key != "detail" and key not in _EVENT_VARIABLE_ORDER and key not in shaped:
            shaped[key] = value
    return shaped


class _Token(str):
    """Literal JSON punctuation queued on the encoder's stack (never confused with a value)."""

    __slots__ = ()


def _dumps(value: object) -> str:
    """Compact JSON text for decoded JSON data, without recursion (any nesting depth).

    Non-ASCII text is written as is; non-finite floats become ``null``.
    """
    out: list[str] = []
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if type(item) is _Token:
            out.append(item)
        elif isinstance(item, Mapping):
            pending: list[object] = [_Token("{")]
            for index, (key, child) in enumerate(item.items()):
                if not isinstance(key, str):
                    raise TypeError(f"JSON object keys must be str, not {type(key).__name__}")
                comma = "," if index else ""
                pending.append(_Token(f"{comma}{_dumps_scalar(key)}:"))
                pending.append(child)
            pending.append(_Token("}"))
            stack.extend(reversed(pending))
        elif isinstance(item, list | tuple):
            pending = [_Token("[")]
            for index, child in enumerate(item):
                if index:
                    pending.append(_Token(","))
                pending.append(child)
            pending.append(_Token("]"))
            stack.extend(reversed(pending))
        else:
            out.append(_dumps_scalar(item))
    return "".join(out)


def _dumps_scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else "null"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _escape_lone_surrogates(text: str) -> str:
    """Write unpaired surrogates as ``\\uXXXX`` so the text always encodes as UTF-8."""
    if not _LONE_SURROGATE.search(text):
        return text
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
