"""``RuleIndex``: many event patterns compiled into one matcher.

Every sub-rule (a conjunction of conditions) is a path in a trie whose edges
are conditions, walked most-selective-kind first (see ``condition_rank``).
Rules that share conditions share branches; at each branch point the matchers
on one field are indexed (``FieldIndex``), so matching an event visits only the
branches its values actually satisfy. The cost of a match therefore follows the
number of partially matching rules, not the number of rules.

Matching is array-consistent: the values one sub-rule uses must come from the
same element of every array of objects they share. The walk carries a
*binding* (array id → element) and extends it with each value's trail,
dropping entries no condition further down can be affected by, so equivalent
walks merge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.patterns.compiler import compile_pattern
from orderflow.eventbus.patterns.field_index import FieldIndex
from orderflow.eventbus.patterns.flatten import Entry, FlatEvent, Trail, consistent, flatten
from orderflow.eventbus.patterns.matchers import Condition, SubRule

_ELEMENT_INDEX_THRESHOLD = 16


class _State:
    """A branch point: conditions leading on, and the rules fully matched on arrival."""

    __slots__ = ("children", "fields", "future", "rules")

    def __init__(self) -> None:
        self.children: dict[Condition, _State] = {}
        self.fields: dict[str, FieldIndex[_State]] = {}
        self.rules: dict[str, int] = {}
        # Paths (and their prefixes) of every condition at or below this state: an
        # array binding outside these can no longer matter to any match from here.
        self.future: set[str] = set()

    def is_dead(self) -> bool:
        return not self.rules and not self.children


def _path_prefixes(path: str) -> Iterator[str]:
    start = 0
    while (dot := path.find(".", start)) >= 0:
        yield path[:dot]
        start = dot + 1
    yield path


def parse_event(event: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    """An event as a mapping: JSON text is parsed; it must hold an object."""
    if isinstance(event, Mapping):
        return event
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


class _ElementIndex:
    """Lazily built: the values of a large path by the array element they sit in."""

    def __init__(self, flat: FlatEvent) -> None:
        self._flat = flat
        self._by_path: dict[str, dict[tuple[int, int], list[Entry]]] = {}

    def entries(self, path: str, binding: Trail) -> list[Entry] | None:
        """The values at ``path`` inside the elements ``binding`` fixes (None: no narrowing)."""
        for array_path, array_id, element in binding:
            if path.startswith(array_path) and path[len(array_path) : len(array_path) + 1] == ".":
                table = self._by_path.get(path)
                if table is None:
                    table = self._build(path)
                return table.get((array_id, element), [])
        return None

    def _build(self, path: str) -> dict[tuple[int, int], list[Entry]]:
        table: dict[tuple[int, int], list[Entry]] = {}
        for entry in self._flat[path]:
            for _, array_id, element in entry[1]:
                table.setdefault((array_id, element), []).append(entry)
        self._by_path[path] = table
        return table


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
        self._root = _State()
        self._rules: dict[str, list[SubRule]] = {}
        self._wanted: dict[str, int] = {}

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

    # -- the trie -------------------------------------------------------------

    def _insert(self, name: str, sub_rule: SubRule) -> None:
        states = [self._root]
        for condition in sub_rule:
            parent = states[-1]
            child = parent.children.get(condition)
            if child is None:
                child = parent.children[condition] = _State()
                field = parent.fields.get(condition.path)
                if field is None:
                    field = parent.fields[condition.path] = FieldIndex()
                for matcher in condition.matchers:
                    field.add(matcher, child)
                if condition.absent_ok:
                    field.absent.append(child)
            states.append(child)
            for prefix in _path_prefixes(condition.path):
                self._wanted[prefix] = self._wanted.get(prefix, 0) + 1
        terminal = states[-1]
        terminal.rules[name] = terminal.rules.get(name, 0) + 1
        below: set[str] = set()
        for state, condition in zip(reversed(states[:-1]), reversed(sub_rule), strict=True):
            below.update(_path_prefixes(condition.path))
            state.future.update(below)

    def _delete(self, name: str, sub_rule: SubRule) -> None:
        states = [self._root]
        for condition in sub_rule:
            states.append(states[-1].children[condition])
            for prefix in _path_prefixes(condition.path):
                self._wanted[prefix] -= 1
                if not self._wanted[prefix]:
                    del self._wanted[prefix]
        terminal = states[-1]
        terminal.rules[name] -= 1
        if not terminal.rules[name]:
            del terminal.rules[name]
        for depth in range(len(sub_rule), 0, -1):
            child, parent, condition = states[depth], states[depth - 1], sub_rule[depth - 1]
            if not child.is_dead():
                break
            del parent.children[condition]
            field = parent.fields[condition.path]
            for matcher in condition.matchers:
                field.discard(matcher, child)
            if condition.absent_ok:
                field.absent.remove(child)
            if field.is_empty():
                del parent.fields[condition.path]

    # -- matching -------------------------------------------------------------

    def match(self, event: str | bytes | Mapping[str, Any]) -> set[str]:
        """The names of the rules ``event`` matches (JSON text or a parsed object)."""
        flat = flatten(parse_event(event), self._wanted)
        matched: set[str] = set()
        stack: list[tuple[_State, Trail]] = [(self._root, ())]
        seen: set[tuple[_State, Trail]] = set()
        targets: list[_State] = []
        elements: _ElementIndex | None = None
        while stack:
            state, binding = stack.pop()
            if state.rules:
                matched.update(state.rules)
            for path, field in state.fields.items():
                entries = flat.get(path)
                if entries is None:
                    for child in field.absent:
                        if (child, binding) not in seen:
                            seen.add((child, binding))
                            stack.append((child, binding))
                    continue
                if binding and len(entries) > _ELEMENT_INDEX_THRESHOLD:
                    elements = elements or _ElementIndex(flat)
                    narrowed = elements.entries(path, binding)
                    if narrowed is not None:
                        entries = narrowed
                for value, trail in entries:
                    extended = consistent(binding, trail) if (trail or binding) else binding
                    if extended is None:
                        continue
                    targets.clear()
                    field.targets(value, targets)
                    for child in targets:
                        kept = (
                            tuple(step for step in extended if step[0] in child.future)
                            if extended
                            else extended
                        )
                        if (child, kept) not in seen:
                            seen.add((child, kept))
                            stack.append((child, kept))
        return matched
