"""The generic event engine: EventBridge event patterns and target input transformation.

It knows nothing about orders and could be published on its own.

Public API:

- ``test_event_pattern(event_pattern, event) -> bool``: EventBridge TestEventPattern.
- ``RuleIndex``: many compiled patterns; ``add``, ``remove``, ``match(event) -> set[str]``.
- ``InvalidEventPatternException``, ``ValidationException``: AWS-named errors.
"""

from orderflow.eventbus.errors import AwsError, InvalidEventPatternException, ValidationException
from orderflow.eventbus.patterns.rule_index import RuleIndex
from orderflow.eventbus.patterns.tester import test_event_pattern

__all__ = [
    "AwsError",
    "InvalidEventPatternException",
    "RuleIndex",
    "ValidationException",
    "test_event_pattern",
]
