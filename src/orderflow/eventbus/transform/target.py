"""A target's input choice, validated and compiled the way PutTargets does.

Limits from the API reference and botocore model; [guide] and [rec]: see the package docstring.

Choices where AWS is silent or unknown (tests pin each one)
-----------------------------------------------------------
- Every placeholder must name an InputPathsMap key or a reserved variable (AWS's error, seen in
  [rec]); ``<$.detail>`` (EventBridge Pipes syntax) is therefore an invalid placeholder here.
- InputPathsMap values and InputPath are validated as JSONPath when the target is
  defined (the brief's choice; [guide] says "There is no validation when creating
  JSON path for your template"). Bracket notation is accepted in both, though the
  API reference says InputPathsMap "must use JSON dot notation": its own examples
  use ``$.resources[0]``.
- Keys equal to a reserved variable, or starting with ``aws.`` in any case (the API
  reference: "The keys cannot start with "AWS.""), are refused with our own
  message before the key pattern is checked.
- Unknown AWS wordings are written in AWS's style: length and pattern limits use
  AWS's "1 validation error detected: ... failed to satisfy constraint: ..." form,
  naming the target id instead of AWS's positional ``targets.N.member`` and
  omitting the offending value; an invalid Input gives AWS's prefix "JSON syntax
  error in input for target X:" (seen in aws/aws-cli#6711) followed by our
  parser's reason, not Jackson's; an invalid JSONPath names the character position.
- Input validity uses a strict JSON parser (orjson): no NaN/Infinity, nesting at
  most 1024 deep (Jackson, AWS's parser, defaults to 1000).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import orjson

from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.jsonpath import JsonPath, compile_path
from orderflow.eventbus.transform.reserved import RESERVED_VARIABLES
from orderflow.eventbus.transform.template import Template, is_json_template, scan_template

__all__ = [
    "MAX_INPUT_LENGTH",
    "MAX_INPUT_PATHS",
    "MAX_INPUT_PATH_LENGTH",
    "MAX_INPUT_TEMPLATE_LENGTH",
    "InputKind",
    "InputTransformer",
    "TargetInput",
    "target_input",
]

MAX_INPUT_LENGTH: Final = 8192
MAX_INPUT_PATH_LENGTH: Final = 256
MAX_INPUT_PATHS: Final = 100
MAX_INPUT_TEMPLATE_LENGTH: Final = 8192
_MAX_KEY_LENGTH: Final = 256

_KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9_\-]+")


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


@dataclass(frozen=True)
class TargetInput:
    """A target's validated input: at most one of ``input``, ``input_path``, ``input_transformer``.

    Build it with ``target_input``; direct construction validates the same way.
    """

    target_id: str
    input: str | None = None
    input_path: str | None = None
    input_transformer: InputTransformer | None = None
    _compiled: JsonPath | Template | None = field(
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


def _validate(target: TargetInput) -> JsonPath | Template | None:
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


def _compile_transformer(target_id: str, transformer: InputTransformer) -> Template:
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
    parts = scan_template(template)
    used: dict[str, JsonPath] = {}
    for part in parts:
        if isinstance(part, str) or part.name in RESERVED_VARIABLES:
            continue
        if part.name not in paths:
            raise ValidationException(
                f"InputTemplate for target {target_id} contains invalid placeholder {part.name}."
            )
        used[part.name] = paths[part.name]
    return Template(parts=parts, json_mode=is_json_template(parts), paths=used)


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
