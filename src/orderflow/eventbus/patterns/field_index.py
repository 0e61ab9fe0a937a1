"""All the matchers one branch point of the rule index applies to one field.

Given an event value, ``FieldIndex.targets`` finds the next states of every
matcher that accepts it without trying each matcher: exact values by hash,
prefixes and suffixes by one hash per distinct length, numeric ranges through an
interval tree. Only the kinds that cannot be indexed this way (anything-but,
wildcard, cidr) are tried one by one, and identical conditions share one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from orderflow.eventbus.patterns.intervals import IntervalIndex
from orderflow.eventbus.patterns.matchers import (
    AnythingBut,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Numeric,
    Prefix,
    Scalar,
    Suffix,
    ValueKey,
    ValueMatcher,
    value_key,
)

S = TypeVar("S")
K = TypeVar("K")


class _Table(Generic[K, S]):
    """A multimap from key to payloads that forgets a key once it holds none."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: dict[K, list[S]] = {}

    def add(self, key: K, payload: S) -> None:
        self.entries.setdefault(key, []).append(payload)

    def discard(self, key: K, payload: S) -> None:
        payloads = self.entries.get(key)
        if payloads is not None and payload in payloads:
            payloads.remove(payload)
            if not payloads:
                del self.entries[key]


class _AffixTable(_Table[str, S]):
    """Prefixes (or suffixes) by text, probed once per distinct length."""

    __slots__ = ("_length_counts", "lengths", "suffix")

    def __init__(self, *, suffix: bool) -> None:
        super().__init__()
        self.suffix = suffix
        self.lengths: list[int] = []
        self._length_counts: dict[int, int] = {}

    def add(self, key: str, payload: S) -> None:
        if key not in self.entries:
            size = len(key)
            self._length_counts[size] = self._length_counts.get(size, 0) + 1
            if self._length_counts[size] == 1:
                self.lengths = sorted(self._length_counts)
        super().add(key, payload)

    def discard(self, key: str, payload: S) -> None:
        held = key in self.entries
        super().discard(key, payload)
        size = len(key)
        if held and key not in self.entries:
            self._length_counts[size] -= 1
            if not self._length_counts[size]:
                del self._length_counts[size]
                self.lengths = sorted(self._length_counts)

    def find(self, text: str, out: list[S]) -> None:
        entries = self.entries
        size = len(text)
        for length in self.lengths:
            if length > size:
                return
            piece = text[size - length :] if self.suffix else text[:length]
            found = entries.get(piece)
            if found is not None:
                out.extend(found)


class FieldIndex(Generic[S]):
    """The matchers on one field at one branch point, each leading to a next state ``S``."""

    __slots__ = (
        "_exact_get",
        "_text_probes",
        "absent",
        "anything_but",
        "exact",
        "exists",
        "ignore_case",
        "numeric",
        "others",
        "prefixes",
        "prefixes_ignore_case",
        "suffixes",
        "suffixes_ignore_case",
    )

    def __init__(self) -> None:
        self.exact: _Table[ValueKey, S] = _Table()
        self.ignore_case: _Table[str, S] = _Table()
        self.prefixes: _AffixTable[S] = _AffixTable(suffix=False)
        self.prefixes_ignore_case: _AffixTable[S] = _AffixTable(suffix=False)
        self.suffixes: _AffixTable[S] = _AffixTable(suffix=True)
        self.suffixes_ignore_case: _AffixTable[S] = _AffixTable(suffix=True)
        self.numeric: IntervalIndex[S] = IntervalIndex()
        self.exists: list[S] = []
        self.anything_but: list[tuple[frozenset[ValueKey], S]] = []
        self.others: list[tuple[ValueMatcher, S]] = []
        self.absent: list[S] = []
        self._exact_get = self.exact.entries.get
        # The string lookups in use here, so a match tries only those (kept by _change).
        self._text_probes: tuple[Callable[[str, list[S]], None], ...] = ()

    def is_empty(self) -> bool:
        return not (
            self.exact.entries
            or self.ignore_case.entries
            or self.prefixes.entries
            or self.prefixes_ignore_case.entries
            or self.suffixes.entries
            or self.suffixes_ignore_case.entries
            or len(self.numeric)
            or self.exists
            or self.anything_but
            or self.others
            or self.absent
        )

    def add(self, matcher: ValueMatcher, target: S) -> None:
        self._change(matcher, target, adding=True)

    def discard(self, matcher: ValueMatcher, target: S) -> None:
        self._change(matcher, target, adding=False)

    def _change(self, matcher: ValueMatcher, target: S, *, adding: bool) -> None:
        if isinstance(matcher, Exact):
            _apply(self.exact, matcher.key, target, adding)
        elif isinstance(matcher, EqualsIgnoreCase):
            _apply(self.ignore_case, matcher.lowered, target, adding)
        elif isinstance(matcher, Prefix):
            table = self.prefixes_ignore_case if matcher.ignore_case else self.prefixes
            _apply(table, matcher.text, target, adding)
        elif isinstance(matcher, Suffix):
            table = self.suffixes_ignore_case if matcher.ignore_case else self.suffixes
            _apply(table, matcher.text, target, adding)
        elif isinstance(matcher, Numeric):
            if adding:
                self.numeric.add(matcher, target)
            else:
                self.numeric.discard(matcher, target)
        elif isinstance(matcher, Exists):
            _apply_list(self.exists, target, adding)
        elif isinstance(matcher, AnythingBut):
            _apply_list(self.anything_but, (matcher.excluded, target), adding)
        else:
            _apply_list(self.others, (matcher, target), adding)
        probes: list[Callable[[str, list[S]], None]] = []
        if self.prefixes.entries:
            probes.append(self.prefixes.find)
        if self.suffixes.entries:
            probes.append(self.suffixes.find)
        if any(
            table.entries
            for table in (self.ignore_case, self.prefixes_ignore_case, self.suffixes_ignore_case)
        ):
            probes.append(self._find_ignoring_case)
        self._text_probes = tuple(probes)

    def _find_ignoring_case(self, value: str, out: list[S]) -> None:
        lowered = value.lower()
        found = self.ignore_case.entries.get(lowered)
        if found is not None:
            out.extend(found)
        self.prefixes_ignore_case.find(lowered, out)
        self.suffixes_ignore_case.find(lowered, out)

    def targets(self, value: Scalar, out: list[S]) -> None:
        """Append the next state of every matcher here that accepts ``value``."""
        key: ValueKey
        if isinstance(value, str):
            key = value
            found = self._exact_get(value)
            if found is not None:
                out.extend(found)
            for probe in self._text_probes:
                probe(value, out)
        else:
            key = value_key(value)
            found = self._exact_get(key)
            if found is not None:
                out.extend(found)
            if len(self.numeric) and isinstance(value, int | float) and not isinstance(value, bool):
                self.numeric.find(value, out)
        if self.exists:
            out.extend(self.exists)
        for excluded, target in self.anything_but:
            if key not in excluded:
                out.append(target)
        for matcher, target in self.others:
            if matcher.accepts(value):
                out.append(target)


def _apply(table: _Table[K, S], key: K, target: S, adding: bool) -> None:
    if adding:
        table.add(key, target)
    else:
        table.discard(key, target)


def _apply_list(items: list[K], item: K, adding: bool) -> None:
    if adding:
        items.append(item)
    elif item in items:
        items.remove(item)
