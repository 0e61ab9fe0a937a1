"""Reading a topology file: YAML (``safe_load``), then the models, then the checks.

Every problem comes back at once, located by path in the file and, when the YAML
tells, by line: ``rules.orders.targets[0]: unknown queue 'nope' (line 12)``. A key
given twice in one mapping is a problem too (plain YAML keeps the last one silently,
which would drop a rule without a word).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from orderflow.eventbus.topology_file.checks import check_topology
from orderflow.eventbus.topology_file.errors import Problem, TopologyError
from orderflow.eventbus.topology_file.spec import TopologySpec


def load_topology(path: str | Path) -> TopologySpec:
    """The topology in the YAML file at ``path``; ``TopologyError`` says what is wrong."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TopologyError([Problem((), "no such file")], source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TopologyError([Problem((), f"cannot be read: {exc}")], source) from exc
    return parse_topology(text, source)


def parse_topology(text: str, source: str = "") -> TopologySpec:
    """The topology a YAML document describes."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        document: object = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TopologyError([_yaml_problem(exc)], source) from exc
    duplicates = _duplicate_keys(root, ())
    if duplicates:
        raise TopologyError(duplicates, source)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise TopologyError(
            [Problem((), "a topology file is a mapping of buses, queues, rules and archives")],
            source,
        )
    try:
        spec = TopologySpec.model_validate(document)
    except ValidationError as exc:
        problems = [_with_line(root, _pydantic_problem(error)) for error in exc.errors()]
        raise TopologyError(problems, source) from exc
    found = [_with_line(root, problem) for problem in check_topology(spec)]
    if found:
        raise TopologyError(found, source)
    return spec


def _yaml_problem(error: Any) -> Problem:
    mark = getattr(error, "problem_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    line = None if mark is None else mark.line + 1
    return Problem((), f"not valid YAML: {reason}", line)


def _pydantic_problem(error: ErrorDetails) -> Problem:
    path = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    if kind == "value_error" and "error" in error.get("ctx", {}):
        message = str(error["ctx"]["error"])
    elif kind == "extra_forbidden":
        message = "unknown field"
    elif kind == "missing":
        message = "required field is missing"
    else:
        message = error["msg"]
    return Problem(path, message)


def _with_line(root: Any, problem: Problem) -> Problem:
    """The problem with the line its location starts on (a key's own line), when known."""
    node = root
    line = None
    for part in problem.path:
        found = _child(node, part)
        if found is None:
            break
        node, line = found
    return problem if line is None else replace(problem, line=line)


def _child(node: Any, part: str | int) -> tuple[Any, int] | None:
    """The node under ``node`` at ``part``, and the line it is given on."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value, key.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item.start_mark.line + 1
    return None


def _duplicate_keys(node: Any, path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            line = key.start_mark.line + 1
            if key.value in seen:
                problems.append(
                    Problem(
                        (*path, key.value),
                        f"given twice, on lines {seen[key.value]} and {line} (YAML would "
                        "silently keep only the last)",
                    )
                )
            seen.setdefault(key.value, line)
            problems.extend(_duplicate_keys(value, (*path, key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems.extend(_duplicate_keys(item, (*path, index)))
    return problems
