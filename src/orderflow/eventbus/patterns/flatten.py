"""Turn an event into the leaf values a pattern can test, keyed by dotted path.

``{"detail": {"items": [{"sku": "A"}, {"sku": "B"}]}}`` flattens to
``{"detail.items.sku": [("A", trail0), ("B", trail1)]}``. A key that holds a dot
is a path too (``{"a.b": 1}`` and ``{"a": {"b": 1}}`` both give ``a.b``), as
EventBridge treats them.

Each value carries its *trail*: for every array of objects it sits in, which
array (its path and a per-event id) and which element. Rules match
array-consistently: all the values one sub-rule uses must agree on the element
of every array they share. Arrays of scalars add no trail entry: their elements
are alternatives for one field, never combined with each other.

Only the paths some rule uses are visited: a ``PathTree`` lists, level by level,
the keys worth looking up (including dotted spellings such as ``"a.b"``), so the
parts of an event no rule looks at cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.patterns.matchers import Scalar

TrailStep = tuple[str, int, int]  # (array path, array id within this event, element index)
Trail = tuple[TrailStep, ...]
Entry = tuple[Scalar, Trail]


class FlatEvent:
    """The values of an event by path; the trails of a path's values only where one has any.

    Most values sit in no array of objects, so their (empty) trails are not stored:
    ``trails[path]``, when present, runs parallel to ``values[path]``.
    """

    __slots__ = ("trails", "values")

    def __init__(self) -> None:
        self.values: dict[str, list[Scalar]] = {}
        self.trails: dict[str, list[Trail]] = {}

    def add(self, path: str, value: Scalar, trail: Trail) -> None:
        values = self.values.get(path)
        if values is None:
            values = self.values[path] = []
        trails = self.trails.get(path)
        if trail:
            if trails is None:
                trails = self.trails[path] = [()] * len(values)
            trails.append(trail)
        elif trails is not None:
            trails.append(trail)
        values.append(value)

    def entries(self, path: str) -> list[Entry]:
        """The values at ``path`` with their trails."""
        values = self.values.get(path, [])
        trails = self.trails.get(path)
        if trails is None:
            return [(value, ()) for value in values]
        return list(zip(values, trails, strict=True))


# One level of a PathTree: key -> (dotted path so far, next level or None, is a rule path)
Level = dict[str, tuple[str, "Level | None", bool]]

_MISSING = object()
MAX_ARRAY_NESTING = 1000
"""Arrays nested deeper than this (only a parsed mapping can hold them) are refused."""


class PathTree:
    """The dotted paths rules use, as nested levels of keys to look up in an event."""

    def __init__(self, paths: Iterable[str]) -> None:
        wanted = set(paths)
        remainders: dict[str, set[tuple[str, ...]]] = {}
        for path in wanted:
            segments = tuple(path.split("."))
            for split in range(len(segments)):
                prefix = ".".join(segments[:split])
                remainders.setdefault(prefix, set()).add(segments[split:])
        levels: dict[str, Level] = {prefix: {} for prefix in remainders}
        for prefix, tails in remainders.items():
            level = levels[prefix]
            for tail in tails:
                for cut in range(1, len(tail) + 1):
                    key = ".".join(tail[:cut])
                    full = f"{prefix}.{key}" if prefix else key
                    level[key] = (full, levels.get(full), full in wanted)
        self.root: Level = levels.get("", {})


def flatten(event: Mapping[str, Any], tree: PathTree) -> FlatEvent:
    """The leaf values of ``event`` at the paths of ``tree``."""
    flat = FlatEvent()
    array_ids = [0]
    if tree.root:
        _walk_object(event, tree.root, (), flat, array_ids)
    return flat


def _walk_object(
    node: Mapping[str, Any], level: Level, trail: Trail, flat: FlatEvent, array_ids: list[int]
) -> None:
    if len(level) <= len(node):
        for key, spec in level.items():
            child = node.get(key, _MISSING)
            if child is not _MISSING:
                _visit(child, spec, trail, flat, array_ids)
    else:
        for key, child in node.items():
            found = level.get(key)
            if found is not None:
                _visit(child, found, trail, flat, array_ids)


def _visit(
    value: Any,
    spec: tuple[str, Level | None, bool],
    trail: Trail,
    flat: FlatEvent,
    array_ids: list[int],
) -> None:
    path, level, is_rule_path = spec
    if isinstance(value, dict):
        if level is not None:
            _walk_object(value, level, trail, flat, array_ids)
        return
    if not isinstance(value, list):
        if is_rule_path:
            flat.add(path, value, trail)
        return
    # Arrays, possibly of arrays: walked with a stack, as a hostile event may nest deeply.
    pending: list[tuple[list[Any], Trail]] = [(value, trail)]
    while pending:
        items, items_trail = pending.pop()
        array_ids[0] += 1
        array_id = array_ids[0]
        for index, element in enumerate(items):
            if isinstance(element, list):
                if len(items_trail) >= MAX_ARRAY_NESTING:
                    raise ValidationException("Parameter Event is not valid.")
                pending.append((element, (*items_trail, (path, array_id, index))))
            elif isinstance(element, dict):
                if level is not None:
                    element_trail = (*items_trail, (path, array_id, index))
                    _walk_object(element, level, element_trail, flat, array_ids)
            elif is_rule_path:
                flat.add(path, element, items_trail)


def consistent(binding: Trail, trail: Trail) -> Trail | None:
    """``binding`` extended with ``trail``, or None if they pick different elements of an array."""
    if not trail:
        return binding
    if not binding:
        return trail
    extra: list[TrailStep] = []
    for step in trail:
        for bound in binding:
            if bound[1] == step[1]:
                if bound[2] != step[2]:
                    return None
                break
        else:
            extra.append(step)
    return (*binding, *extra) if extra else binding
