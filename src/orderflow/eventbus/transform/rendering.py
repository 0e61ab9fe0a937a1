"""``render``: the exact text a target receives for a matched event.

    kind              the target receives
    (none)            the whole event as compact JSON
    Input             the Input text, verbatim (it must be valid JSON)
    InputPath         the JSON of the value the path selects
    InputTransformer  InputTemplate with each ``<name>`` placeholder filled in

How placeholders are filled is in ``template``, the reserved ``aws.events.*``
variables in ``reserved``, how JSON is written (and why the text never holds an
unpaired surrogate) in ``serialize``.

The event passed to ``render`` is decoded JSON: mappings with string keys,
lists/tuples, str, int, float, bool, None. Encoding is iterative, so any nesting
depth is fine. Output size is not bounded here: a template may repeat
``<aws.events.event.json>`` hundreds of times; the delivery layer enforces
payload limits.

Choices where AWS is silent or unknown (tests pin each one)
-----------------------------------------------------------
- An InputPath that selects nothing renders as the empty string, like a missing
  template variable (AWS does not document this case).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orderflow.eventbus.jsonpath import MISSING, JsonPath
from orderflow.eventbus.transform.reserved import reserved_values
from orderflow.eventbus.transform.serialize import dumps, escape_lone_surrogates
from orderflow.eventbus.transform.template import Template, fill

if TYPE_CHECKING:
    from orderflow.eventbus.transform.target import TargetInput

__all__ = ["render"]


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
        text = "" if selected is MISSING else dumps(selected)
    elif isinstance(compiled, Template):
        reserved = reserved_values(event, rule_arn, rule_name, ingestion_time)
        text = fill(compiled, event, reserved)
    else:
        text = dumps(event)
    return escape_lone_surrogates(text)
