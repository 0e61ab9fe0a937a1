"""An obviously-correct (and deliberately slow) EventBridge pattern evaluator.

It shares no code with ``orderflow.eventbus``: it reads the pattern as plain JSON,
expands ``$or`` into every combination, lists every leaf of the event with the
array elements it sits in, and tries every assignment of leaves to conditions
(backtracking), accepting one whose leaves agree on the element of every array of
objects they share. Property tests compare ``RuleIndex`` against it.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from typing import Any

Leaf = tuple[str, Any, tuple[tuple[int, int], ...]]


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    leaves = list(_leaves(event, "", ()))
    return any(_satisfiable(branch, leaves) for branch in _branches(pattern, ""))


def _branches(pattern: dict[str, Any], prefix: str) -> list[dict[str, list[Any]]]:
    """Every $or combination, as {dotted path: value list}."""
    parts: list[list[dict[str, list[Any]]]] = []
    for key, value in pattern.items():
        if key == "$or":
            alternatives: list[dict[str, list[Any]]] = []
            for option in value:
                alternatives.extend(_branches(option, prefix))
            parts.append(alternatives)
            continue
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            parts.append(_branches(value, path))
        else:
            parts.append([{path: value}])
    combos = []
    for chosen in itertools.product(*parts):
        merged: dict[str, list[Any]] = {}
        for piece in chosen:
            merged.update(piece)
        combos.append(merged)
    return combos


def _leaves(node: Any, path: str, trail: tuple[tuple[int, int], ...]) -> Any:
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _leaves(child, f"{path}.{key}" if path else key, trail)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            if isinstance(child, dict | list):
                yield from _leaves(child, path, (*trail, (id(node), index)))
            else:
                yield (path, child, trail)
    else:
        yield (path, node, trail)


def _satisfiable(branch: dict[str, list[Any]], leaves: list[Leaf]) -> bool:
    choices: list[list[Leaf | None]] = []
    for path, wanted in branch.items():
        at_path = [leaf for leaf in leaves if leaf[0] == path]
        options: list[Leaf | None] = [
            leaf for leaf in at_path if any(_accepts(item, leaf[1]) for item in wanted)
        ]
        if not at_path and {"exists": False} in wanted:
            options.append(None)
        if not options:
            return False
        choices.append(options)
    return any(_agree(combo) for combo in itertools.product(*choices))


def _agree(combo: tuple[Leaf | None, ...]) -> bool:
    chosen: dict[int, int] = {}
    for leaf in combo:
        if leaf is None:
            continue
        for array, index in leaf[2]:
            if chosen.setdefault(array, index) != index:
                return False
    return True


def _same(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool) or expected is None or value is None:
        return type(expected) is type(value) and expected == value
    if isinstance(expected, str) or isinstance(value, str):
        return isinstance(expected, str) and isinstance(value, str) and expected == value
    return float(expected) == float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _glob(pattern: str, value: str) -> bool:
    regex = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            regex += re.escape(pattern[index + 1])
            index += 2
            continue
        regex += ".*" if char == "*" else re.escape(char)
        index += 1
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _text_test(operator: str, argument: Any, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(argument, dict):  # {"equals-ignore-case": text}
        argument, value = argument["equals-ignore-case"].lower(), value.lower()
    if operator == "prefix":
        return bool(value.startswith(argument))
    if operator == "suffix":
        return bool(value.endswith(argument))
    if operator == "equals-ignore-case":
        return bool(value.lower() == argument.lower())
    return _glob(argument, value)


def _accepts(item: Any, value: Any) -> bool:
    if not isinstance(item, dict):
        return _same(item, value)
    ((operator, argument),) = item.items()
    if operator in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
        return _text_test(operator, argument, value)
    if operator == "exists":
        return bool(argument)
    if operator == "numeric":
        if not _is_number(value):
            return False
        pairs = zip(argument[0::2], argument[1::2], strict=True)
        checks = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            "=": lambda a, b: a == b,
            ">=": lambda a, b: a >= b,
            ">": lambda a, b: a > b,
        }
        return all(checks[op](value, bound) for op, bound in pairs)
    if operator == "cidr":
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(argument, strict=False)
        except ValueError:
            return False
    if operator == "anything-but":
        if isinstance(argument, dict):
            ((inner, inner_argument),) = argument.items()
            options = inner_argument if isinstance(inner_argument, list) else [inner_argument]
            return not any(_text_test(inner, option, value) for option in options)
        options = argument if isinstance(argument, list) else [argument]
        return not any(_same(option, value) for option in options)
    raise AssertionError(f"reference does not know {operator}")
