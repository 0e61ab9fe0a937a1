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

Only paths some rule uses are kept (``wanted`` holds every prefix of every rule
path), so the parts of an event no rule looks at cost nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from orderflow.eventbus.patterns.matchers import Scalar

TrailStep = tuple[str, int, int]  # (array path, array id within this event, element index)
Trail = tuple[TrailStep, ...]
Entry = tuple[Scalar, Trail]
FlatEvent = dict[str, list[Entry]]

_NO_TRAIL: Trail = ()


def flatten(event: Mapping[str, Any], wanted: Collection[str] | None = None) -> FlatEvent:
    """The leaf values of ``event`` by dotted path (only paths in ``wanted`` when given)."""
    flat: FlatEvent = {}
    array_ids = 0
    # An explicit stack instead of recursion: a hostile event may nest deeply.
    stack: list[tuple[str, Any, Trail]] = [("", event, _NO_TRAIL)]
    while stack:
        path, node, trail = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{path}.{key}" if path else key
                if wanted is not None and child_path not in wanted:
                    continue
                stack.append((child_path, child, trail))
        elif isinstance(node, list):
            array_ids += 1
            array_id = array_ids
            for index, element in enumerate(node):
                if isinstance(element, dict | list):
                    stack.append((path, element, (*trail, (path, array_id, index))))
                else:
                    flat.setdefault(path, []).append((element, trail))
        else:
            flat.setdefault(path, []).append((node, trail))
    return flat


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
