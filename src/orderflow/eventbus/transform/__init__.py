"""What a rule target receives: the event, a constant, a JSONPath selection, or a template.

A target carries at most one of ``Input``, ``InputPath`` and ``InputTransformer``
(PutTargets). ``target_input`` validates that choice the way PutTargets does and
compiles it; ``render`` turns a matched event into the exact text delivered.

Each rule, and each choice made where AWS is silent, is documented in the module
that implements it:

- ``target``: ``TargetInput``, ``InputTransformer``, ``InputKind``, ``target_input``
  and the limits; PutTargets validation in AWS's wording.
- ``template``: placeholder scanning, JSON or text template, filling in placeholders.
- ``reserved``: the predefined ``aws.events.*`` variables.
- ``rendering``: ``render``, the text each kind of input delivers.
- ``serialize``: the non-recursive compact JSON writer; lone surrogates escaped.

Sources: the user guide page "Amazon EventBridge input transformation"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html,
cited as [guide]), the API reference for ``InputTransformer`` and ``Target``
and the botocore service model (limits, key pattern), and recordings made against
real AWS by LocalStack's AWS-validated tests
(``tests/aws/services/events/test_events_inputs.snapshot.json``, cited as [rec]).
"""

from orderflow.eventbus.transform.rendering import render
from orderflow.eventbus.transform.reserved import RESERVED_VARIABLES
from orderflow.eventbus.transform.target import (
    MAX_INPUT_LENGTH,
    MAX_INPUT_PATH_LENGTH,
    MAX_INPUT_PATHS,
    MAX_INPUT_TEMPLATE_LENGTH,
    InputKind,
    InputTransformer,
    TargetInput,
    target_input,
)

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
