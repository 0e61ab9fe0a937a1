"""Find every numeric range holding a number, in time proportional to the answer.

A centered interval tree, rebuilt lazily after changes: each node keeps the
ranges that contain its center, sorted by low bound and by high bound, so a
query walks one root-to-leaf path and stops scanning each node's lists at the
first range that cannot hold the number.
"""

from __future__ import annotations

import math
from typing import Generic, TypeVar

from orderflow.eventbus.patterns.matchers import Numeric

T = TypeVar("T")


class _Node(Generic[T]):
    """Ranges holding ``center`` (by low bound ascending and by high bound descending),
    and the subtrees of ranges wholly left and wholly right of it."""

    def __init__(
        self,
        center: float,
        by_low: list[tuple[Numeric, T]],
        by_high: list[tuple[Numeric, T]],
        left: _Node[T] | None,
        right: _Node[T] | None,
    ) -> None:
        self.center = center
        self.by_low = by_low
        self.by_high = by_high
        self.left = left
        self.right = right


def _build(ranges: list[tuple[Numeric, T]]) -> _Node[T] | None:
    if not ranges:
        return None
    bounds = sorted(
        bound
        for numeric, _ in ranges
        for bound in (numeric.low, numeric.high)
        if math.isfinite(bound)
    )
    center = bounds[len(bounds) // 2] if bounds else 0.0
    left = [entry for entry in ranges if entry[0].high < center]
    right = [entry for entry in ranges if entry[0].low > center]
    middle = [entry for entry in ranges if entry[0].low <= center <= entry[0].high]
    return _Node(
        center,
        sorted(middle, key=lambda entry: entry[0].low),
        sorted(middle, key=lambda entry: entry[0].high, reverse=True),
        _build(left),
        _build(right),
    )


class IntervalIndex(Generic[T]):
    """Numeric ranges, each with a payload; ``find(x)`` yields the payloads of those holding x."""

    def __init__(self) -> None:
        self._ranges: list[tuple[Numeric, T]] = []
        self._root: _Node[T] | None = None
        self._stale = False

    def __len__(self) -> int:
        return len(self._ranges)

    def add(self, numeric: Numeric, payload: T) -> None:
        self._ranges.append((numeric, payload))
        self._stale = True

    def discard(self, numeric: Numeric, payload: T) -> None:
        self._ranges = [entry for entry in self._ranges if entry != (numeric, payload)]
        self._stale = True

    def find(self, value: float, out: list[T]) -> None:
        """Append to ``out`` the payload of every range holding ``value`` (none holds NaN)."""
        if math.isnan(value):
            return
        if self._stale:
            self._root = _build(self._ranges)
            self._stale = False
        node = self._root
        while node is not None:
            # Every range at a node holds its center, so a number left of the center is
            # inside such a range exactly when it is past the range's low bound (and
            # right of it, before its high bound).
            if value < node.center:
                for numeric, payload in node.by_low:
                    if numeric.low > value:
                        break
                    if numeric.low < value or not numeric.low_open:
                        out.append(payload)
                node = node.left
            elif value > node.center:
                for numeric, payload in node.by_high:
                    if numeric.high < value:
                        break
                    if numeric.high > value or not numeric.high_open:
                        out.append(payload)
                node = node.right
            else:
                out.extend(payload for numeric, payload in node.by_low if numeric.accepts(value))
                return
