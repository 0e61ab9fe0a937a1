"""``test_event_pattern``: the mirror of EventBridge's TestEventPattern operation."""

from __future__ import annotations

from typing import Final

from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.patterns.rule_index import RuleIndex, parse_event

REQUIRED_STRING_FIELDS: Final = ("id", "account", "source", "time", "region", "detail-type")
"""Envelope fields TestEventPattern requires as strings (with ``resources``, an array)."""


def test_event_pattern(event_pattern: str, event: str) -> bool:
    """Whether ``event`` matches ``event_pattern``, validated as TestEventPattern validates.

    Raises ``InvalidEventPatternException`` for an invalid pattern and
    ``ValidationException("Parameter Event is not valid.")`` for an event that is
    not a JSON object with the envelope fields AWS requires (``id``, ``account``,
    ``source``, ``time``, ``region``, ``resources``, ``detail-type``).
    """
    index = RuleIndex()
    index.add("pattern", event_pattern)
    document = parse_event(event)
    envelope_ok = all(isinstance(document.get(field), str) for field in REQUIRED_STRING_FIELDS)
    if not envelope_ok or not isinstance(document.get("resources"), list):
        raise ValidationException("Parameter Event is not valid.")
    return bool(index.match(document))


# Not a pytest test, despite its AWS-given name.
test_event_pattern.__test__ = False  # type: ignore[attr-defined]
