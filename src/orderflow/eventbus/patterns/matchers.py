"""What one entry of a pattern's value list asks of one event value.

A pattern leaf such as ``"status": ["PAID", {"prefix": "REF"}, {"exists": false}]``
becomes one ``Condition`` on the path ``status`` holding two value matchers
(``Exact``, ``Prefix``) and ``absent_ok=True``. Matchers are frozen and hashable, so
identical conditions from different rules share one branch of the rule index.

Event values are JSON scalars as Python sees them: ``str``, ``int``/``float``,
``bool`` and ``None``. ``value_key`` gives each a key that keeps the JSON types
apart (``true`` is not ``1``) while numbers compare by value (``300`` is ``300.0``).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from typing import Final

from orderflow.eventbus.patterns.wildcard import WildcardPattern

Scalar = str | int | float | bool | None
ValueKey = str | tuple[str, object]

_NULL_KEY: Final = ("null", None)


def value_key(value: Scalar) -> ValueKey:
    """A hashable key under which equal JSON scalars (and only those) collide."""
    if isinstance(value, str):
        return value
    if value is None:
        return _NULL_KEY
    if isinstance(value, bool):
        return ("bool", value)
    return ("number", value)


def is_number(value: Scalar) -> bool:
    """True for JSON numbers (never for booleans)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Exact:
    """Equal to one JSON scalar (numbers by value)."""

    key: ValueKey

    def accepts(self, value: Scalar) -> bool:
        return value_key(value) == self.key


@dataclass(frozen=True)
class EqualsIgnoreCase:
    """A string equal to ``lowered`` once both are lower-cased."""

    lowered: str

    def accepts(self, value: Scalar) -> bool:
        return isinstance(value, str) and value.lower() == self.lowered


@dataclass(frozen=True)
class Prefix:
    """A string starting with ``text`` (compared lower-cased when ``ignore_case``)."""

    text: str
    ignore_case: bool = False

    def accepts(self, value: Scalar) -> bool:
        if not isinstance(value, str):
            return False
        return (value.lower() if self.ignore_case else value).startswith(self.text)


@dataclass(frozen=True)
class Suffix:
    """A string ending with ``text`` (compared lower-cased when ``ignore_case``)."""

    text: str
    ignore_case: bool = False

    def accepts(self, value: Scalar) -> bool:
        if not isinstance(value, str):
            return False
        return (value.lower() if self.ignore_case else value).endswith(self.text)


@dataclass(frozen=True)
class Wildcard:
    """A string matching a wildcard pattern (``*`` any run of characters)."""

    pattern: WildcardPattern

    def accepts(self, value: Scalar) -> bool:
        return isinstance(value, str) and self.pattern.matches(value)


@dataclass(frozen=True)
class Numeric:
    """A JSON number inside a range; a missing bound is infinite."""

    low: float = -math.inf
    low_open: bool = True
    high: float = math.inf
    high_open: bool = True

    def accepts(self, value: Scalar) -> bool:
        if not is_number(value):
            return False
        assert isinstance(value, int | float)
        if math.isnan(value):  # only a parsed mapping can hold NaN; it is in no range
            return False
        if value < self.low or (self.low_open and value == self.low):
            return False
        return not (value > self.high or (self.high_open and value == self.high))


@dataclass(frozen=True)
class Cidr:
    """A string holding an IP address inside a network (IPv4 or IPv6)."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network

    def accepts(self, value: Scalar) -> bool:
        if not isinstance(value, str):
            return False
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return False
        return address.version == self.network.version and address in self.network


@dataclass(frozen=True)
class Exists:
    """Any value at all, ``null`` included, at a leaf."""

    def accepts(self, value: Scalar) -> bool:
        return True


@dataclass(frozen=True)
class AnythingBut:
    """Any value that is not one of ``excluded`` (by ``value_key``); ``null`` included."""

    excluded: frozenset[ValueKey]

    def accepts(self, value: Scalar) -> bool:
        return value_key(value) not in self.excluded


@dataclass(frozen=True)
class AnythingButMatching:
    """Any value that is not a string accepted by one of ``inner`` (prefix, suffix, ...).

    Non-string values (numbers, booleans, null) are never a string with that
    prefix, so they are accepted, as on AWS where ``anything-but`` matches every
    value the inner matcher would not.
    """

    inner: tuple[Prefix | Suffix | EqualsIgnoreCase | Wildcard, ...]

    def accepts(self, value: Scalar) -> bool:
        return not any(matcher.accepts(value) for matcher in self.inner)


ValueMatcher = (
    Exact
    | EqualsIgnoreCase
    | Prefix
    | Suffix
    | Wildcard
    | Numeric
    | Cidr
    | Exists
    | AnythingBut
    | AnythingButMatching
)


@dataclass(frozen=True)
class Condition:
    """One field of a pattern: some value at ``path`` is accepted by a matcher, or
    (when ``absent_ok``) the event holds no value at ``path`` at all."""

    path: str
    matchers: frozenset[ValueMatcher]
    absent_ok: bool = False

    def accepts(self, value: Scalar) -> bool:
        return any(matcher.accepts(value) for matcher in self.matchers)

    @property
    def rank(self) -> int:
        """How selective the condition is expected to be: lower is walked first."""
        if self.absent_ok:
            return 5
        return max(_RANK[type(matcher)] for matcher in self.matchers)


# The order conditions are walked in the rule index: the most selective kinds first,
# so rules sharing their selective conditions share one branch and most of the
# 10,000 rules an event does not concern are cut off by a single hash lookup.
_RANK: Final[dict[type, int]] = {
    Exact: 0,
    EqualsIgnoreCase: 0,
    Prefix: 1,
    Suffix: 1,
    Numeric: 2,
    Cidr: 2,
    Exists: 3,
    AnythingBut: 4,
    AnythingButMatching: 4,
    Wildcard: 4,
}


SubRule = tuple[Condition, ...]
"""A conjunction of conditions; a rule is a disjunction of sub-rules (from ``$or``)."""
