"""Property tests: the compiled ``RuleIndex`` agrees with the reference evaluator.

Random valid patterns (every operator, nesting, ``$or``) and random events (nested
objects, arrays of objects and of scalars, every JSON scalar type) over a small
vocabulary, so that matches and near-misses are both common.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderflow.eventbus import RuleIndex
from tests.support import reference_matcher

KEYS = ["a", "b", "c", "a.b", "b.c"]
STRINGS = ["x", "y", "xy", "Xy", "", "10.0.0.7", "10.0.1.7", "::1", "x*y"]
NUMBERS: list[Any] = [0, 1, 1.5, -2, 300, 300.0]
SCALARS = st.sampled_from([*STRINGS, *NUMBERS, True, False, None])


def _numeric() -> st.SearchStrategy[dict[str, Any]]:
    single = st.tuples(st.sampled_from(["<", "<=", "=", ">=", ">"]), st.sampled_from(NUMBERS))
    double = st.tuples(
        st.sampled_from([">", ">="]),
        st.sampled_from([-2, 0]),
        st.sampled_from(["<", "<="]),
        st.sampled_from([1.5, 300]),
    )
    return st.one_of(single, double).map(lambda terms: {"numeric": list(terms)})


TEXT = st.sampled_from(["x", "y", "X", "xy"])
MATCHERS = st.one_of(
    st.sampled_from([*STRINGS, *NUMBERS, True, False, None]),
    TEXT.map(lambda t: {"prefix": t}),
    TEXT.map(lambda t: {"suffix": t}),
    TEXT.map(lambda t: {"prefix": {"equals-ignore-case": t}}),
    TEXT.map(lambda t: {"suffix": {"equals-ignore-case": t}}),
    TEXT.map(lambda t: {"equals-ignore-case": t}),
    st.sampled_from(["x*", "*y", "x*y", "*", "x\\*y"]).map(lambda t: {"wildcard": t}),
    _numeric(),
    st.booleans().map(lambda b: {"exists": b}),
    st.sampled_from(["10.0.0.0/24", "10.0.0.0/8", "::/127"]).map(lambda c: {"cidr": c}),
    st.sampled_from(["x", "y", 1, 300]).map(lambda v: {"anything-but": v}),
    st.sampled_from([["x", "xy"], [0, 1.5]]).map(lambda v: {"anything-but": v}),
    TEXT.map(lambda t: {"anything-but": {"prefix": t}}),
    TEXT.map(lambda t: {"anything-but": {"suffix": t}}),
    st.lists(TEXT, min_size=1, max_size=2).map(
        lambda ts: {"anything-but": {"equals-ignore-case": ts}}
    ),
    st.sampled_from(["x*", "*y"]).map(lambda t: {"anything-but": {"wildcard": t}}),
)


def _pattern_body(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.lists(MATCHERS, min_size=1, max_size=3)
    value: st.SearchStrategy[Any] = (
        leaf if depth == 0 else st.one_of(leaf, _pattern_body(depth - 1))
    )
    return st.dictionaries(st.sampled_from(KEYS), value, min_size=1, max_size=3)


@st.composite
def patterns(draw: st.DrawFn) -> dict[str, Any]:
    body = draw(_pattern_body(2))
    if draw(st.integers(0, 4)) == 0:
        body["$or"] = draw(st.lists(_pattern_body(1), min_size=2, max_size=3))
    return body


EVENT_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    ),
    max_leaves=12,
)
OBJECTS = st.dictionaries(st.sampled_from(KEYS), SCALARS, min_size=1, max_size=3)
ARRAYS_OF_OBJECTS = st.lists(
    st.one_of(OBJECTS, st.dictionaries(st.sampled_from(KEYS), st.lists(OBJECTS, max_size=2))),
    min_size=1,
    max_size=4,
)
EVENTS = st.dictionaries(
    st.sampled_from(KEYS), st.one_of(EVENT_VALUES, ARRAYS_OF_OBJECTS), max_size=3
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=st.lists(patterns(), min_size=1, max_size=6), event=EVENTS)
def test_rule_index_agrees_with_the_reference(
    rules: list[dict[str, Any]], event: dict[str, Any]
) -> None:
    index = RuleIndex()
    for number, pattern in enumerate(rules):
        index.add(f"r{number}", json.dumps(pattern))
    expected = {
        f"r{number}"
        for number, pattern in enumerate(rules)
        if reference_matcher.matches(pattern, event)
    }
    assert index.match(json.dumps(event)) == expected
    assert index.match(event) == expected


# Two or more conditions under one key, against arrays of objects under that key: where
# array-consistent matching and "any element for each field" part ways.
NESTED_PATTERNS = st.dictionaries(
    st.sampled_from(KEYS),
    st.dictionaries(st.sampled_from(KEYS), st.lists(MATCHERS, min_size=1, max_size=2), min_size=2),
    min_size=1,
    max_size=2,
)


@settings(max_examples=400, deadline=None)
@given(pattern=NESTED_PATTERNS, event=st.dictionaries(st.sampled_from(KEYS), ARRAYS_OF_OBJECTS))
def test_array_consistency_agrees_with_the_reference(
    pattern: dict[str, Any], event: dict[str, Any]
) -> None:
    index = RuleIndex()
    index.add("rule", json.dumps(pattern))
    assert (index.match(event) == {"rule"}) is reference_matcher.matches(pattern, event)


@settings(max_examples=200, deadline=None)
@given(rules=st.lists(patterns(), min_size=2, max_size=6), event=EVENTS, data=st.data())
def test_removing_rules_keeps_the_others_exact(
    rules: list[dict[str, Any]], event: dict[str, Any], data: st.DataObject
) -> None:
    index = RuleIndex()
    for number, pattern in enumerate(rules):
        index.add(f"r{number}", json.dumps(pattern))
    removed = data.draw(st.sets(st.sampled_from([f"r{n}" for n in range(len(rules))])))
    for name in removed:
        index.remove(name)
    expected = {
        f"r{number}"
        for number, pattern in enumerate(rules)
        if f"r{number}" not in removed and reference_matcher.matches(pattern, event)
    }
    assert index.match(event) == expected
    assert len(index) == len(rules) - len(removed)
