"""The shape rules are stored in: a trie of conditions with compressed tails.

Every sub-rule (a conjunction of conditions, most selective kind first) is a path
from the root. Rules that share their leading conditions share nodes, and at each
node the conditions leading on are indexed by field (``FieldIndex``), so a walk
follows only the edges an event's values satisfy.

Where a sub-rule stops sharing, its first unshared condition still becomes an
indexed edge, but the rest is not spread over a chain of nodes: it stays a
*tail* on the node that edge leads to, checked directly when a walk arrives
there. A tail is split into an edge as soon as another sub-rule needs its first
condition (as in a radix tree). Invariant: at a node, no two tails start with the
same condition, and no tail starts with a condition that is also an edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from orderflow.eventbus.patterns.field_index import FieldIndex
from orderflow.eventbus.patterns.matchers import Condition, Scalar, SubRule


@dataclass(frozen=True)
class Check:
    """One condition of a tail, ready to test: the path, a value test, whether absence passes."""

    path: str
    accepts: Callable[[Scalar], bool]
    absent_ok: bool


@dataclass
class Tail:
    """The unshared end of one sub-rule of rule ``name``."""

    conditions: SubRule
    name: str
    checks: tuple[Check, ...] = field(init=False)
    # futures[i]: the path prefixes checks i.. look at; other array bindings cannot matter.
    futures: tuple[frozenset[str], ...] = field(init=False)

    def __post_init__(self) -> None:
        self.checks = tuple(_check(condition) for condition in self.conditions)
        futures: list[frozenset[str]] = [frozenset()]
        for condition in reversed(self.conditions):
            futures.append(futures[-1] | frozenset(path_prefixes(condition.path)))
        self.futures = tuple(reversed(futures))


def _check(condition: Condition) -> Check:
    if len(condition.matchers) == 1:
        (matcher,) = condition.matchers
        return Check(condition.path, matcher.accepts, condition.absent_ok)
    return Check(condition.path, condition.accepts, condition.absent_ok)


class Node:
    """A point rules pass through: edges on, tails, and the rules complete on arrival."""

    __slots__ = ("children", "field_list", "fields", "future", "rules", "tails")

    def __init__(self) -> None:
        self.children: dict[Condition, Node] = {}
        self.fields: dict[str, FieldIndex[Node]] = {}
        self.field_list: list[tuple[str, FieldIndex[Node]]] = []  # the same, quicker to walk
        self.tails: list[Tail] = []
        self.rules: dict[str, int] = {}
        # Paths (and their prefixes) of every condition at or below this node: an array
        # binding outside these can no longer matter to any match from here.
        self.future: set[str] = set()

    def is_dead(self) -> bool:
        return not (self.rules or self.children or self.tails)

    @property
    def leads_on(self) -> bool:
        """Whether a walk arriving here has anything further to test."""
        return bool(self.fields or self.tails)

    def add_edge(self, condition: Condition) -> Node:
        child = self.children[condition] = Node()
        index = self.fields.get(condition.path)
        if index is None:
            index = self.fields[condition.path] = FieldIndex()
            self.field_list = list(self.fields.items())
        for matcher in condition.matchers:
            index.add(matcher, child)
        if condition.absent_ok:
            index.absent.append(child)
        return child

    def drop_edge(self, condition: Condition) -> None:
        child = self.children.pop(condition)
        index = self.fields[condition.path]
        for matcher in condition.matchers:
            index.discard(matcher, child)
        if condition.absent_ok:
            index.absent.remove(child)
        if index.is_empty():
            del self.fields[condition.path]
            self.field_list = list(self.fields.items())


def path_prefixes(path: str) -> Iterator[str]:
    """``a``, ``a.b``, ``a.b.c`` for ``a.b.c``."""
    start = 0
    while (dot := path.find(".", start)) >= 0:
        yield path[:dot]
        start = dot + 1
    yield path


def _remember_paths(node: Node, conditions: SubRule) -> None:
    for condition in conditions:
        node.future.update(path_prefixes(condition.path))


def insert(root: Node, name: str, sub_rule: SubRule) -> None:
    """Store ``sub_rule`` of rule ``name`` under ``root``."""
    node = root
    position = 0
    while position < len(sub_rule):
        _remember_paths(node, sub_rule[position:])
        condition = sub_rule[position]
        child = node.children.get(condition)
        if child is None:
            tail = next((t for t in node.tails if t.conditions[0] == condition), None)
            if tail is None:
                _add_branch(node, name, sub_rule[position:])
                return
            child = _split(node, tail)
        node = child
        position += 1
    node.rules[name] = node.rules.get(name, 0) + 1


def _add_branch(node: Node, name: str, conditions: SubRule) -> None:
    """A new edge for the first condition (so it is indexed), the rest as a tail below it."""
    child = node.add_edge(conditions[0])
    rest = conditions[1:]
    if rest:
        _remember_paths(child, rest)
        child.tails.append(Tail(rest, name))
    else:
        child.rules[name] = child.rules.get(name, 0) + 1


def _split(node: Node, tail: Tail) -> Node:
    """Turn the first condition of ``tail`` into an edge; the rest moves below it."""
    node.tails.remove(tail)
    _add_branch(node, tail.name, tail.conditions)
    return node.children[tail.conditions[0]]


def delete(root: Node, name: str, sub_rule: SubRule) -> None:
    """Remove one stored copy of ``sub_rule`` of rule ``name``, pruning what it leaves dead."""
    walked: list[tuple[Node, Condition]] = []
    node = root
    position = 0
    while position < len(sub_rule):
        condition = sub_rule[position]
        child = node.children.get(condition)
        if child is None:
            remainder = sub_rule[position:]
            tail = next(t for t in node.tails if t.name == name and t.conditions == remainder)
            node.tails.remove(tail)
            break
        walked.append((node, condition))
        node = child
        position += 1
    else:
        node.rules[name] -= 1
        if not node.rules[name]:
            del node.rules[name]
    for parent, condition in reversed(walked):
        if not parent.children[condition].is_dead():
            break
        parent.drop_edge(condition)
