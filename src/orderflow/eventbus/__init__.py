"""The generic event engine: EventBridge event patterns and target input transformation.

It knows nothing about orders and could be published on its own.

Public API:

- ``test_event_pattern(event_pattern, event) -> bool``: EventBridge TestEventPattern.
- ``RuleIndex``: many compiled patterns; ``add``, ``remove``, ``match(event) -> set[str]``.
- ``InvalidEventPatternException``, ``ValidationException``: AWS-named errors.
- ``target_input(target_id, *, input=, input_path=, input_transformer=) -> TargetInput``:
  a target's validated input (PutTargets); ``render(target_input, event, ...) -> str``:
  the exact text the target receives (``orderflow.eventbus.transform``).
"""

from orderflow.eventbus.errors import AwsError, InvalidEventPatternException, ValidationException
from orderflow.eventbus.patterns.rule_index import RuleIndex
from orderflow.eventbus.patterns.tester import test_event_pattern
from orderflow.eventbus.transform import (
    MAX_INPUT_LENGTH,
    MAX_INPUT_PATH_LENGTH,
    MAX_INPUT_PATHS,
    MAX_INPUT_TEMPLATE_LENGTH,
    RESERVED_VARIABLES,
    InputKind,
    InputTransformer,
    TargetInput,
    render,
    target_input,
)

__all__ = [
    "MAX_INPUT_LENGTH",
    "MAX_INPUT_PATHS",
    "MAX_INPUT_PATH_LENGTH",
    "MAX_INPUT_TEMPLATE_LENGTH",
    "RESERVED_VARIABLES",
    "AwsError",
    "InputKind",
    "InputTransformer",
    "InvalidEventPatternException",
    "RuleIndex",
    "TargetInput",
    "ValidationException",
    "render",
    "target_input",
    "test_event_pattern",
]
