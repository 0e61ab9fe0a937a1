"""The predefined ``aws.events.*`` variables an InputTemplate may use without a path.

[guide] and [rec] are the sources cited in the package docstring
(``orderflow.eventbus.transform``).

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

Each value is computed lazily, only when a template uses the variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

__all__ = ["RESERVED_VARIABLES", "reserved_values"]

_RULE_ARN: Final = "aws.events.rule-arn"
_RULE_NAME: Final = "aws.events.rule-name"
_INGESTION_TIME: Final = "aws.events.event.ingestion-time"
_EVENT: Final = "aws.events.event"
_EVENT_JSON: Final = "aws.events.event.json"
RESERVED_VARIABLES: Final = frozenset({_RULE_ARN, _RULE_NAME, _INGESTION_TIME, _EVENT, _EVENT_JSON})

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


def reserved_values(
    event: Mapping[str, Any],
    rule_arn: str,
    rule_name: str,
    ingestion_time: str,
) -> dict[str, Callable[[], object]]:
    """Each reserved variable's name, mapped to a function computing its value for ``event``."""
    return {
        _RULE_ARN: lambda: rule_arn,
        _RULE_NAME: lambda: rule_name,
        _INGESTION_TIME: lambda: ingestion_time,
        _EVENT: lambda: _event_without_detail(event),
        _EVENT_JSON: lambda: event,
    }


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
