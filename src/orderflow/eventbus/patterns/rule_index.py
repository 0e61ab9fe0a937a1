"""``RuleIndex``: many event patterns compiled into one matcher.

Each pattern compiles to sub-rules (``compiler``), stored in one trie of
conditions (``trie``); an event is flattened to the values at the paths rules use
(``flatten``) and walked through the trie (``walk``). The cost of a match follows
the number of rules the event (partly) satisfies, not the number of rules held.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.patterns import trie
from orderflow.eventbus.patterns.compiler import compile_pattern
from orderflow.eventbus.patterns.flatten import PathTree, flatten
from orderflow.eventbus.patterns.matchers import SubRule
from orderflow.eventbus.patterns.walk import walk


def parse_event(event: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    """An event as a mapping: JSON text is parsed; it must hold an object."""
    if isinstance(event, Mapping):
        return event
    if not isinstance(event, str | bytes | bytearray | memoryview):
        raise ValidationException("Parameter Event is not valid.")
    try:
        document = orjson.loads(event)
    except orjson.JSONDecodeError:
        document = _parse_wide(event)
    if not isinstance(document, dict):
        raise ValidationException("Parameter Event is not valid.")
    return document


def _parse_wide(event: str | bytes) -> Any:
    """The stdlib parser, for valid JSON orjson refuses (integers beyond 64 bits)."""

    def refuse_constant(name: str) -> Any:
        raise ValueError(name)

    try:
        return json.loads(event, parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ValidationException("Parameter Event is not valid.") from exc


class RuleIndex:
    """Many named event patterns, matched against an event at once.

    >>> index = RuleIndex()
    >>> index.add("big-orders", '{"detail": {"total": [{"numeric": [">", 100]}]}}')
    >>> index.match('{"detail": {"total": 250}}')
    {'big-orders'}

    ``add`` validates with EventBridge's rules and wording (raising
    ``InvalidEventPatternException``); ``match`` never raises for a valid event
    object, whatever it holds.
    """

    def __init__(self) -> None:
        self._root = trie.Node()
        self._rules: dict[str, list[SubRule]] = {}
        self._paths: dict[str, int] = {}  # rule paths, with how many conditions use each
        self._tree: PathTree | None = None

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def names(self) -> list[str]:
        """The names of the rules held, in the order they were added."""
        return list(self._rules)

    def add(self, name: str, event_pattern: str) -> None:
        """Compile ``event_pattern`` and hold it under ``name`` (replacing any rule so named)."""
        sub_rules = compile_pattern(event_pattern)
        if name in self._rules:
            self.remove(name)
        self._rules[name] = sub_rules
        for sub_rule in sub_rules:
            self._insert(name, sub_rule)

    def remove(self, name: str) -> None:
        """Forget the rule ``name``; an unknown name is ignored."""
        sub_rules = self._rules.pop(name, None)
        for sub_rule in sub_rules or ():
            self._delete(name, sub_rule)

    # -- storage --------------------------------------------------------------

    def _insert(self, name: str, sub_rule: SubRule) -> None:
        trie.insert(self._root, name, sub_rule)
        for condition in sub_rule:
            self._count_path(condition.path, +1)

    def _delete(self, name: str, sub_rule: SubRule) -> None:
        trie.delete(self._root, name, sub_rule)
        for condition in sub_rule:
            self._count_path(condition.path, -1)

    def _count_path(self, path: str, change: int) -> None:
        count = self._paths.get(path, 0) + change
        if count:
            self._paths[path] = count
        else:
            del self._paths[path]
        if count == 0 or (change > 0 and count == 1):
            self._tree = None  # a path appeared or went: rebuild before the next match

    # -- matching -------------------------------------------------------------

    def match(self, event: str | bytes | Mapping[str, Any]) -> set[str]:
        """The names of the rules ``event`` matches (JSON text or a parsed object)."""
        if self._tree is None:
            self._tree = PathTree(self._paths)
        return walk(self._root, flatten(parse_event(event), self._tree))
