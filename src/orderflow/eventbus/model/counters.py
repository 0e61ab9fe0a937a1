"""Counters the engine and the consumers keep in the store, beside the work they count.

A counter is a name and its labels (``CounterKey``); its value only grows. Each increment
is written in the transaction of the work it counts (a PutEvents request, a rule's
match, a consumer's batch), so it commits or rolls back with that work, whichever
process or host did it, and a scrape of any process reads the sum of all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import orjson


@dataclass(frozen=True, order=True)
class CounterKey:
    """One counter: its name and its labels, sorted by label name."""

    name: str
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, name: str, **labels: str) -> CounterKey:
        return cls(name, tuple(sorted(labels.items())))

    @property
    def label_text(self) -> str:
        """The labels as the store keeps them (JSON: one text for any label values)."""
        return orjson.dumps([list(pair) for pair in self.labels]).decode()

    @classmethod
    def stored(cls, name: str, label_text: str) -> CounterKey:
        return cls(name, tuple((str(k), str(v)) for k, v in orjson.loads(label_text)))

    def label(self, name: str) -> str:
        return dict(self.labels).get(name, "")


Increments = Mapping[CounterKey, float]


def add_up(*parts: Iterable[tuple[CounterKey, float]]) -> dict[CounterKey, float]:
    """Sum increments of the same counter (one write per counter)."""
    total: dict[CounterKey, float] = {}
    for part in parts:
        for key, value in part:
            total[key] = total.get(key, 0.0) + value
    return total


PUT_EVENTS_ENTRIES: Final = "put_events_entries"
"""PutEvents entries, by ``outcome`` (accepted, failed)."""
RULE_MATCHED: Final = "rule_matched_events"
"""Events a rule matched, by ``bus`` and ``rule``."""
TARGET_FAILED: Final = "target_delivery_failures"
"""Deliveries to a target that failed, by ``bus``, ``rule`` and ``target``."""
