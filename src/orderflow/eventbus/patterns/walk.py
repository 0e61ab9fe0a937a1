"""Matching one flattened event against the trie: which rules does it satisfy?

The walk starts at the root with an empty *binding* (array id → element) and
follows every edge some event value satisfies, extending the binding with that
value's trail so that a sub-rule only ever combines values from the same
element of each array of objects (array-consistent matching). Binding entries no
condition further down can be affected by are dropped, so walks that differ only
in irrelevant array elements merge. Tails are checked in place, by a small
backtracking search over the values of their few conditions.
"""

from __future__ import annotations

from orderflow.eventbus.patterns.flatten import Entry, FlatEvent, Trail, consistent
from orderflow.eventbus.patterns.trie import Check, Node, Tail

_ELEMENT_INDEX_THRESHOLD = 16


class _ElementIndex:
    """Built on demand: the values of a large path by the array element they sit in."""

    def __init__(self, flat: FlatEvent) -> None:
        self._flat = flat
        self._by_path: dict[str, dict[tuple[int, int], list[Entry]]] = {}

    def entries(self, path: str, binding: Trail) -> list[Entry]:
        """The entries at ``path`` that can fit ``binding``: for a large path, only those in
        the array elements ``binding`` fixes."""
        if len(self._flat.values[path]) <= _ELEMENT_INDEX_THRESHOLD:
            return self._flat.entries(path)
        for array_path, array_id, element in binding:
            if path.startswith(array_path) and path[len(array_path) : len(array_path) + 1] == ".":
                table = self._by_path.get(path)
                if table is None:
                    table = self._build(path)
                return table.get((array_id, element), [])
        return self._flat.entries(path)

    def _build(self, path: str) -> dict[tuple[int, int], list[Entry]]:
        table: dict[tuple[int, int], list[Entry]] = {}
        for entry in self._flat.entries(path):
            for _, array_id, element in entry[1]:
                table.setdefault((array_id, element), []).append(entry)
        self._by_path[path] = table
        return table


class _Walk:
    """One event's walk through the trie."""

    __slots__ = ("elements", "failed", "flat", "matched", "seen")

    def __init__(self, flat: FlatEvent) -> None:
        self.flat = flat
        self.matched: set[str] = set()
        self.seen: set[tuple[Node, Trail]] = set()
        self.elements = _ElementIndex(flat)
        self.failed: set[tuple[int, int, Trail]] = set()

    def run(self, root: Node) -> set[str]:
        values_at = self.flat.values
        trails_at = self.flat.trails
        matched = self.matched
        stack: list[tuple[Node, Trail]] = [(root, ())]
        targets: list[Node] = []
        while stack:
            node, binding = stack.pop()
            for tail in node.tails:
                if tail.name not in matched and self._tail_holds(tail, binding):
                    matched.add(tail.name)
            for path, index in node.field_list:
                values = values_at.get(path)
                if values is None:
                    if index.absent:
                        # The field is absent: follow the edges that ask for its absence.
                        self._arrive(index.absent, binding, stack)
                    continue
                if not binding and path not in trails_at:
                    for value in values:
                        targets.clear()
                        index.targets(value, targets)
                        if targets:
                            self._arrive(targets, binding, stack)
                    continue
                for value, trail in self.elements.entries(path, binding):
                    extended = consistent(binding, trail)
                    if extended is None:
                        continue
                    targets.clear()
                    index.targets(value, targets)
                    if targets:
                        self._arrive(targets, extended, stack)
        return matched

    def _arrive(self, targets: list[Node], binding: Trail, stack: list[tuple[Node, Trail]]) -> None:
        """Reach each of ``targets`` with ``binding``: record its rules, walk on from it once."""
        for child in targets:
            if child.rules:
                self.matched.update(child.rules)
            if child.field_list or child.tails:
                kept = binding
                if binding:
                    future = child.future
                    kept = tuple([step for step in binding if step[0] in future])
                key = (child, kept)
                if key not in self.seen:
                    self.seen.add(key)
                    stack.append(key)

    def _tail_holds(self, tail: Tail, binding: Trail) -> bool:
        """Whether every check of ``tail`` holds together with ``binding``.

        A value outside any array of objects fits every binding and fixes no element,
        so a check it satisfies is settled at once; only checks whose accepted values
        all sit in arrays of objects need the search over elements.
        """
        values_at = self.flat.values
        trails_at = self.flat.trails
        for position, check in enumerate(tail.checks):
            values = values_at.get(check.path)
            if values is None:
                if check.absent_ok:
                    continue
                return False
            accepts = check.accepts
            trails = trails_at.get(check.path)
            if trails is None:
                for value in values:
                    if accepts(value):
                        break
                else:
                    return False
                continue
            if binding:
                return self._search(tail, position, binding)
            settled = False
            in_arrays = False
            for value, trail in zip(values, trails, strict=True):
                if accepts(value):
                    if not trail:
                        settled = True
                        break
                    in_arrays = True
            if not settled:
                return in_arrays and self._search(tail, position, binding)
        return True

    def _search(self, tail: Tail, position: int, binding: Trail) -> bool:
        """Backtracking over array elements for the checks of ``tail`` from ``position`` on."""
        checks = tail.checks
        if position == len(checks):
            return True
        check: Check = checks[position]
        if check.path not in self.flat.values:
            return check.absent_ok and self._search(tail, position + 1, binding)
        entries = self.elements.entries(check.path, binding)
        accepts = check.accepts
        later = tail.futures[position + 1]
        for value, trail in entries:
            if not accepts(value):
                continue
            extended = consistent(binding, trail) if trail or binding else binding
            if extended is None:
                continue
            if extended:
                extended = tuple(step for step in extended if step[0] in later)
            memo = (id(tail), position + 1, extended)
            if memo in self.failed:
                continue
            if self._search(tail, position + 1, extended):
                return True
            self.failed.add(memo)
        return False


def walk(root: Node, flat: FlatEvent) -> set[str]:
    """The names of the rules under ``root`` that the flattened event satisfies."""
    return _Walk(flat).run(root)
