"""Hostile input for the pattern engine: every case ends in a correct answer or a clear error.

A pattern is either accepted (and then matches exactly what it should) or refused with
``InvalidEventPatternException`` / ``ValidationException``; an event is either matched
correctly or refused with ``ValidationException``. No other exception may escape (no
``RecursionError``, ``TypeError``, ``UnicodeError``...), and nothing may hang: the large
cases carry generous wall-time bounds that only a runaway (quadratic or worse) would hit.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderflow import eventbus
from orderflow.eventbus import InvalidEventPatternException, RuleIndex, ValidationException

CLEAN_ERRORS = (InvalidEventPatternException, ValidationException)
REASON_PREFIX = "Event pattern is not valid. Reason: "
EVENT_INVALID = "Parameter Event is not valid."
GENEROUS_SECONDS = 10.0

ENVELOPE: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "Hostile Test",
    "source": "orderflow.hostile",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {},
}


def _index(pattern: str) -> RuleIndex:
    index = RuleIndex()
    index.add("rule", pattern)
    return index


def _matches(pattern: str, event: str | bytes | dict[str, Any]) -> bool:
    return _index(pattern).match(event) == {"rule"}


def _refused(pattern: str) -> InvalidEventPatternException | ValidationException:
    """The clean error ``pattern`` is refused with (any other outcome fails the test)."""
    with pytest.raises(CLEAN_ERRORS) as caught:
        RuleIndex().add("rule", pattern)
    error = caught.value
    assert isinstance(error, CLEAN_ERRORS)
    if isinstance(error, InvalidEventPatternException):
        assert str(error).startswith(REASON_PREFIX)
        assert error.code == "InvalidEventPatternException"
    else:
        assert error.code == "ValidationException"
    return error


def _event_refused(event: str | bytes) -> None:
    index = _index('{"a": [{"exists": false}]}')
    with pytest.raises(ValidationException) as caught:
        index.match(event)
    assert str(caught.value) == EVENT_INVALID


def _rule_matched(index: RuleIndex, event: str) -> bool:
    return index.match(event) == {"rule"}


def _answer_or_refusal(action: Callable[[], bool]) -> bool | None:
    """``action``'s answer, or None when it raised ``ValidationException`` (a clean refusal)."""
    try:
        answer = action()
    except ValidationException as error:
        assert str(error) == EVENT_INVALID
        return None
    return answer


def _accepted_or_refused(
    pattern: str, hit: str | dict[str, Any], miss: str | dict[str, Any]
) -> bool:
    """True if ``pattern`` is accepted (it must then match ``hit`` and not ``miss``);
    False if it is refused cleanly."""
    index = RuleIndex()
    try:
        index.add("rule", pattern)
    except CLEAN_ERRORS as error:
        assert str(error)
        return False
    assert index.match(hit) == {"rule"}
    assert index.match(miss) == set()
    return True


def _nested(depth: int, leaf: str, key: str = "a") -> str:
    return f'{{"{key}":' * depth + leaf + "}" * depth


# -- patterns that are not JSON objects ---------------------------------------------------

NOT_PATTERNS = [
    "",
    " ",
    "\n\t",
    "null",
    "true",
    "false",
    "42",
    "-0",
    "1e999",
    '"text"',
    "[]",
    '[{"a": ["x"]}]',
    "not json",
    "{",
    "}",
    "{{}}",
    "{'a': ['x']}",
    '{a: ["x"]}',
    '{"a" ["x"]}',
    '{"a": ["x"],}',
    '{"a": ["x",]}',
    '{"a": [x]}',
    '{"a": [NaN]}',
    '{"a": [Infinity]}',
    '{"a": [-Infinity]}',
    '{"a": [{"numeric": [">", NaN]}]}',
    '{"a": [{"numeric": [">", Infinity]}]}',
    '{"a": [{"numeric": ["<", 1e999]}]}',
    '{"a": [{"numeric": [">", -1e999]}]}',
    '{"a": [01]}',
    '{"a": [1.]}',
    '{"a": [.5]}',
    '{"a": [+1]}',
    '{"a": [0x10]}',
    '{"a": ["\\x41"]}',
    '{"a": ["\\u12"]}',
    '{"a": ["\\u12G4"]}',
    '{"a": ["\\',
    '{"a": ["tab\there"]}',
    '{"a": ["nul\x00here"]}',
    '{"a": ["line\nbreak"]}',
    '\ufeff{"a": ["x"]}',
    '{"a": ["x"]} trailing',
    '{"a": ["x"]}}',
    '{"a": ["x"]}{}',
    '{"a": ["x"]}[]',
    '{"a": ["x"]}\x00',
    '{"a": ["x"]} //',
    '{"a": ["x"]} /* comment */',
    '{"a": [["x"]]}',
    '{"a": [{"prefix": "x"}, ["y"]]}',
    '{"a": "x"}',
    '{"a": 5}',
    '{"a": null}',
    '{"a": true}',
]


@pytest.mark.parametrize("pattern", NOT_PATTERNS)
def test_non_patterns_are_refused(pattern: str) -> None:
    assert isinstance(_refused(pattern), InvalidEventPatternException)
    with pytest.raises(InvalidEventPatternException):
        eventbus.test_event_pattern(pattern, json.dumps(ENVELOPE))


VALID_PATTERNS = [
    '{"source": ["aws.ec2"], "detail": {"state": ["running", "stopped"]}}',
    '{"detail": {"amount": [{"numeric": [">", 0, "<=", 5e3]}], "tags": [{"prefix": "x"}]}}',
    '{"$or": [{"a": [{"wildcard": "x*y"}]}, {"b": [{"anything-but": {"suffix": ".png"}}]}]}',
    '{"ip": [{"cidr": "2001:db8::/32"}], "c": [{"exists": false}], "n": [null, ""]}',
]


@pytest.mark.parametrize("pattern", VALID_PATTERNS)
def test_every_truncation_of_a_valid_pattern_is_refused(pattern: str) -> None:
    _index(pattern)  # the whole pattern is valid
    for end in range(len(pattern)):
        error = _refused(pattern[:end])
        assert isinstance(error, InvalidEventPatternException), pattern[:end]


@pytest.mark.parametrize("pattern", VALID_PATTERNS)
@pytest.mark.parametrize("garbage", ["x", "}", "]", "{}", "[]", '"', ",", "0", "\x00", "\ufeff"])
def test_trailing_garbage_after_a_pattern_is_refused(pattern: str, garbage: str) -> None:
    assert isinstance(_refused(pattern + garbage), InvalidEventPatternException)
    assert isinstance(_refused(pattern + " \n " + garbage), InvalidEventPatternException)


@pytest.mark.parametrize("pattern", VALID_PATTERNS)
def test_surrounding_whitespace_is_allowed(pattern: str) -> None:
    index = _index(" \t\r\n" + pattern + "\n\t ")
    assert "rule" in index


# -- events that are not JSON objects -----------------------------------------------------

NOT_EVENTS: list[str | bytes] = [
    "",
    "   ",
    "null",
    "true",
    "42",
    '"text"',
    "[]",
    "[{}]",
    "not json",
    "{",
    '{"a": 1',
    '{"a": 1}}',
    '{"a": 1} trailing',
    '{"a": 1}{"b": 2}',
    "{'a': 1}",
    '{"a": NaN}',
    '{"a": Infinity}',
    '{"a": -Infinity}',
    '{"detail": {"x": [1, NaN]}}',
    '{"a": 01}',
    '{"a": "tab\there"}',
    '{"a": "\\x41"}',
    b"",
    b"\xff\xfe\x00",
    b'{"a": "\xff"}',
    b'{"a": "\xc3"}',
    b'{"a": 1}\x00',
]


@pytest.mark.parametrize("event", NOT_EVENTS)
def test_non_events_are_refused(event: str | bytes) -> None:
    _event_refused(event)
    text = event.decode("utf-8", "replace") if isinstance(event, bytes) else event
    with pytest.raises(ValidationException) as caught:
        eventbus.test_event_pattern('{"source": ["orderflow.hostile"]}', text)
    assert str(caught.value) == EVENT_INVALID


def test_every_truncation_of_a_valid_event_is_refused() -> None:
    event = json.dumps({**ENVELOPE, "detail": {"a": [1, "x", None, {"b": True}], "c": -2.5e-3}})
    assert eventbus.test_event_pattern('{"detail": {"c": [{"numeric": ["<", 0]}]}}', event)
    for end in range(len(event)):
        _event_refused(event[:end])


def test_an_event_may_be_given_as_bytes() -> None:
    assert _matches('{"a": ["\u00e9"]}', '{"a": "\u00e9"}'.encode()) is True
    assert _matches('{"a": ["\u00e9"]}', b'{"a": "e"}') is False


# -- the 4,096-character limit ------------------------------------------------------------


@pytest.mark.parametrize("size", [4097, 5000, 65536, 1_000_000])
def test_patterns_over_4096_characters_are_refused(size: int) -> None:
    body = '{"a": ["x"]}'
    padded = body + " " * (size - len(body))
    error = _refused(padded)
    assert isinstance(error, ValidationException)
    assert "4096" in str(error)


def test_a_pattern_of_exactly_4096_characters_is_accepted_even_when_padded() -> None:
    body = '{"a": ["x"]}'
    index = _index(body + " " * (4096 - len(body)))
    assert index.match('{"a": "x"}') == {"rule"}


def test_the_limit_is_checked_before_the_pattern_is_read() -> None:
    huge_invalid = "{" * 200_000
    assert isinstance(_refused(huge_invalid), ValidationException)
    huge_list = '{"a": [' + ",".join(str(n) for n in range(100_000)) + "]}"
    assert isinstance(_refused(huge_list), ValidationException)


# -- deep nesting -------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 10, 32])
def test_moderately_nested_patterns_work(depth: int) -> None:
    assert _accepted_or_refused(
        _nested(depth, '["x"]'), _nested(depth, '"x"'), _nested(depth, '"y"')
    )


@pytest.mark.parametrize("depth", [63, 64, 65, 66, 100, 500, 680])
def test_deeply_nested_patterns_match_or_are_refused(depth: int) -> None:
    pattern = _nested(depth, '["x"]')
    assert len(pattern) <= 4096
    _accepted_or_refused(pattern, _nested(depth, '"x"'), _nested(depth, '"y"'))


@pytest.mark.parametrize(("depth", "key"), [(818, ""), (680, "a")])
def test_the_deepest_object_patterns_that_fit_in_4096_characters(depth: int, key: str) -> None:
    pattern = _nested(depth, "[1]", key)
    assert len(pattern) <= 4096
    _accepted_or_refused(pattern, _nested(depth, "1", key), _nested(depth, "2", key))


def test_the_deepest_or_pattern_that_fits_in_4096_characters() -> None:
    pattern = '{"b": [1]}'
    while len(grown := '{"$or": [{"b": [2]}, ' + pattern + "]}") <= 4096:
        pattern = grown
    assert pattern.count("$or") > 150
    _accepted_or_refused(pattern, '{"b": 1}', '{"b": 3}')
    _accepted_or_refused(pattern, '{"b": 2}', '{"c": 1}')


def test_deeply_nested_patterns_beyond_the_size_limit_are_refused() -> None:
    assert isinstance(_refused(_nested(100_000, '["x"]')), ValidationException)
    assert isinstance(_refused("[" * 100_000), ValidationException)


@pytest.mark.parametrize("depth", [2, 10, 64, 65, 1000])
def test_deeply_nested_arrays_in_patterns_are_refused(depth: int) -> None:
    pattern = '{"a": ' + "[" * depth + '"x"' + "]" * depth + "}"
    assert isinstance(_refused(pattern), InvalidEventPatternException)


@pytest.mark.parametrize("levels", [1, 5, 20, 40, 100])
def test_deeply_nested_or_matches_or_is_refused(levels: int) -> None:
    pattern = '{"z0": ["x"]}'
    for level in range(1, levels + 1):
        pattern = f'{{"$or": [{{"z{level}": ["x"]}}, {pattern}]}}'
    if len(pattern) > 4096:
        assert isinstance(_refused(pattern), ValidationException)
        return
    _accepted_or_refused(pattern, {"z0": "x"}, {"z0": "y"})


def test_a_thousand_levels_of_event_nesting() -> None:
    event = _nested(1000, '"leaf"')
    for pattern, expected in [
        ('{"a": {"a": {"a": [{"exists": false}]}}}', True),  # an object is not a leaf
        ('{"a": {"a": {"a": [{"exists": true}]}}}', False),
        ('{"a": {"a": ["leaf"]}}', False),
        ('{"b": [{"exists": false}]}', True),
    ]:
        answer = _answer_or_refusal(partial(_matches, pattern, event))
        assert answer in (expected, None)


@pytest.mark.parametrize("depth", [1001, 1025, 5000, 100_000])
def test_very_deep_event_text_is_answered_or_refused(depth: int) -> None:
    objects = _nested(depth, '"leaf"')
    arrays = '{"a": ' + "[" * depth + '"leaf"' + "]" * depth + "}"
    for event, pattern, expected in [
        (objects, '{"a": {"a": {"a": [{"exists": false}]}}}', True),
        (objects, '{"a": {"a": [{"exists": true}]}}', False),
        (arrays, '{"a": ["leaf"]}', True),
        (arrays, '{"a": ["other"]}', False),
    ]:
        answer = _answer_or_refusal(partial(_matches, pattern, event))
        assert answer in (expected, None)
    wrapped = json.dumps(ENVELOPE)[:-1] + ', "deep": ' + objects + "}"
    answer = _answer_or_refusal(
        lambda: eventbus.test_event_pattern('{"source": ["orderflow.hostile"]}', wrapped)
    )
    assert answer in (True, None)


def test_very_deep_event_objects_given_as_mappings() -> None:
    event: Any = "leaf"
    for _ in range(100_000):
        event = {"a": event}
    assert _matches('{"a": {"a": {"a": [{"exists": false}]}}}', event) is True
    assert _matches('{"a": {"a": {"a": [{"exists": true}]}}}', event) is False
    assert _matches(_nested(60, '[{"exists": false}]'), event) is True


def test_deeply_nested_event_arrays_given_as_mappings() -> None:
    nested: Any = "leaf"
    for _ in range(900):  # deeper than JSON parsers go (~1,000) is refused, below
        nested = [nested]
    assert _matches('{"a": ["leaf"]}', {"a": nested}) is True
    assert _matches('{"a": [{"prefix": "le"}]}', {"a": nested}) is True
    assert _matches('{"a": ["other"]}', {"a": nested}) is False


# -- huge arrays --------------------------------------------------------------------------


def test_event_arrays_of_100k_elements() -> None:
    numbers = json.dumps({"a": list(range(100_000))})
    started = time.perf_counter()
    assert _matches('{"a": [99999]}', numbers) is True
    assert _matches('{"a": [100000]}', numbers) is False
    assert _matches('{"a": [{"numeric": [">", 99998.5]}]}', numbers) is True
    assert _matches('{"a": [{"numeric": ["<", 0]}]}', numbers) is False
    assert _matches('{"a": [{"anything-but": 5}]}', numbers) is True
    strings = json.dumps({"a": [f"s{n}" for n in range(100_000)] + ["target"]})
    assert _matches('{"a": [{"prefix": "tar"}]}', strings) is True
    assert _matches('{"a": [{"suffix": "xyz"}]}', strings) is False
    assert _matches('{"a": [{"wildcard": "s*9"}]}', strings) is True
    assert _matches('{"a": [{"equals-ignore-case": "TARGET"}]}', strings) is True
    objects = json.dumps({"a": [{"b": n} for n in range(100_000)]})
    assert _matches('{"a": {"b": [54321]}}', objects) is True
    wide = json.dumps({f"k{n}": n for n in range(100_000)})
    assert _matches('{"k99999": [99999], "k0": [0]}', wide) is True
    assert time.perf_counter() - started < 3 * GENEROUS_SECONDS


def test_large_value_lists_in_patterns() -> None:
    values = list(range(800))
    pattern = json.dumps({"a": values}, separators=(",", ":"))
    assert len(pattern) <= 4096
    assert _matches(pattern, '{"a": 799}') is True
    assert _matches(pattern, '{"a": 800}') is False
    excluded = json.dumps({"a": [{"anything-but": values}]}, separators=(",", ":"))
    assert _matches(excluded, '{"a": 799}') is False
    assert _matches(excluded, '{"a": 800}') is True
    prefixes = json.dumps({"a": [{"prefix": f"p{n}-"} for n in range(200)]}, separators=(",", ":"))
    assert len(prefixes) <= 4096
    assert _matches(prefixes, '{"a": "p199-x"}') is True
    assert _matches(prefixes, '{"a": "p200-x"}') is False


# -- array-consistent matching over 10,000 array elements --------------------------------

ELEMENTS = 10_000
CONSISTENCY_CASES = [
    pytest.param('{"d": {"k": ["v9999"], "n": [9999]}}', True, id="exact-exact"),
    pytest.param('{"d": {"k": ["v9999"], "n": [9998]}}', False, id="exact-exact-split"),
    pytest.param('{"d": {"k": [{"prefix": "v"}], "n": [{"numeric": [">", 99999]}]}}', False),
    pytest.param('{"d": {"k": [{"exists": true}], "n": [{"exists": true}]}}', True),
    pytest.param('{"d": {"k": [{"exists": true}], "z": [{"exists": true}]}}', False),
    pytest.param('{"d": {"k": [{"anything-but": "v5"}], "n": [{"numeric": ["=", 5]}]}}', False),
    pytest.param('{"d": {"k": [{"anything-but": "v5"}], "n": [{"numeric": ["=", 6]}]}}', True),
    pytest.param('{"d": {"k": [{"wildcard": "v*9"}], "n": [{"anything-but": -1}]}}', True),
    pytest.param('{"d": {"k": [{"suffix": "7"}], "n": [{"numeric": [">=", 0, "<", 7]}]}}', False),
]


@pytest.mark.parametrize(("pattern", "expected"), CONSISTENCY_CASES)
def test_two_field_pattern_over_10k_array_elements_finishes(pattern: str, expected: bool) -> None:
    event = json.dumps({"d": [{"k": f"v{n}", "n": n} for n in range(ELEMENTS)]})
    index = _index(pattern)
    started = time.perf_counter()
    assert (index.match(event) == {"rule"}) is expected
    assert time.perf_counter() - started < GENEROUS_SECONDS


# -- odd Unicode --------------------------------------------------------------------------

ODD_TEXT = {
    "rtl-mark": "\u200f",
    "ltr-mark": "\u200e",
    "zero-width-space": "a\u200bb",
    "zero-width-joiner": "\u200d",
    "bom-inside": "x\ufeffy",
    "line-separator": "\u2028",
    "combining": "e\u0301",
    "nul": "\u0000",
    "del": "\x7f",
    "max-bmp": "\uffff",
    "cjk": "\u4e2d\u6587",
    "emoji": "\U0001f600",
    "emoji-zwj": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "max-code-point": "\U0010ffff",
}


def _odd_cases() -> list[Any]:
    cases = []
    for name, text in ODD_TEXT.items():
        for pattern_ascii in (False, True):
            for event_ascii in (False, True):
                marks: list[Any] = []
                case_id = f"{name}-pattern{'Esc' if pattern_ascii else 'Raw'}-event" + (
                    "Esc" if event_ascii else "Raw"
                )
                cases.append(
                    pytest.param(text, pattern_ascii, event_ascii, marks=marks, id=case_id)
                )
    return cases


@pytest.mark.parametrize(("text", "pattern_ascii", "event_ascii"), _odd_cases())
def test_odd_unicode_matches_itself_only(text: str, pattern_ascii: bool, event_ascii: bool) -> None:
    def dumps(value: Any, ascii_only: bool) -> str:
        return json.dumps(value, ensure_ascii=ascii_only)

    exact = dumps({"k": [text]}, pattern_ascii)
    assert _matches(exact, dumps({"k": text}, event_ascii)) is True
    assert _matches(exact, dumps({"k": text + "x"}, event_ascii)) is False
    keyed = dumps({text: ["v"]}, pattern_ascii)
    assert _matches(keyed, dumps({text: "v"}, event_ascii)) is True
    assert _matches(keyed, dumps({text + "x": "v"}, event_ascii)) is False
    affixes = dumps({"k": [{"prefix": text + "p"}, {"suffix": "s" + text}]}, pattern_ascii)
    assert _matches(affixes, dumps({"k": text + "p..."}, event_ascii)) is True
    assert _matches(affixes, dumps({"k": "...s" + text}, event_ascii)) is True
    assert _matches(affixes, dumps({"k": "p" + text}, event_ascii)) is False
    wildcard = dumps({"k": [{"wildcard": "<*" + text + "*>"}]}, pattern_ascii)
    assert _matches(wildcard, dumps({"k": "<ab" + text + "cd>"}, event_ascii)) is True
    assert _matches(wildcard, dumps({"k": "<abcd>"}, event_ascii)) is False
    excluded = dumps({"k": [{"anything-but": text}]}, pattern_ascii)
    assert _matches(excluded, dumps({"k": text}, event_ascii)) is False


@pytest.mark.parametrize("surrogate", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_lone_surrogates_are_answered_or_refused(surrogate: str) -> None:
    for pattern in (
        json.dumps({"k": [surrogate]}),
        json.dumps({"k": [surrogate]}, ensure_ascii=False),
        json.dumps({"k": [{"prefix": surrogate}]}),
        json.dumps({surrogate: [{"exists": True}]}),
    ):
        try:
            index = _index(pattern)
        except InvalidEventPatternException:
            continue
        for event in (
            json.dumps({"k": surrogate, surrogate: 1}),
            json.dumps({"k": surrogate, surrogate: 1}, ensure_ascii=False),
        ):
            answer = _answer_or_refusal(partial(_rule_matched, index, event))
            assert answer in (True, None)
        answer = _answer_or_refusal(partial(_rule_matched, index, '{"k": "plain"}'))
        assert answer in (False, None)


@pytest.mark.parametrize("escape", ["\\u0000", "\\u001f", "\\u0000\\u0000", "a\\u0000b"])
def test_nul_and_control_escapes_are_ordinary_characters(escape: str) -> None:
    pattern = '{"k": ["' + escape + '"], "' + escape + '": [{"exists": true}]}'
    event = '{"k": "' + escape + '", "' + escape + '": 0}'
    assert _matches(pattern, event) is True
    assert _matches(pattern, '{"k": "", "": 0}') is False


def test_equals_ignore_case_with_non_ascii_letters() -> None:
    pattern = '{"k": [{"equals-ignore-case": "\u00c9T\u00c9"}]}'
    assert _matches(pattern, '{"k": "\u00e9t\u00e9"}') is True
    assert _matches(pattern, '{"k": "ete"}') is False


# -- numbers at the edges -----------------------------------------------------------------


def test_out_of_range_numbers_in_events() -> None:
    for event in ('{"n": 1e999}', '{"n": -1e999}', '{"n": 1e400}'):
        for pattern in (
            '{"n": [{"numeric": [">", 0]}]}',
            '{"n": [{"numeric": ["<", 0]}]}',
            '{"n": [{"numeric": [">", -1e9, "<", 1e9]}]}',
            '{"n": ["1e999"]}',
        ):
            answer = _answer_or_refusal(partial(_matches, pattern, event))
            assert answer in (False, None), (pattern, event)
        answer = _answer_or_refusal(partial(_matches, '{"n": [{"exists": true}]}', event))
        assert answer in (True, None)


def test_negative_zero_and_huge_integers() -> None:
    assert _matches('{"n": [{"numeric": ["=", 0]}]}', '{"n": -0}') is True
    assert _matches('{"n": [{"numeric": ["=", -0]}]}', '{"n": 0}') is True
    assert _matches('{"n": [{"numeric": [">", -1, "<", 1]}]}', '{"n": -0.0}') is True
    assert _matches('{"n": [{"numeric": [">", 0]}]}', '{"n": -0}') is False
    huge = '{"n": 123456789012345678901234567890123456789}'
    for pattern in ('{"n": [{"numeric": ["<", 0]}]}', '{"n": ["123456789012345678901"]}'):
        assert _answer_or_refusal(partial(_matches, pattern, huge)) in (False, None)
    assert _answer_or_refusal(partial(_matches, '{"n": [{"exists": true}]}', huge)) in (True, None)


def test_numeric_operands_that_cannot_be_compared_are_refused() -> None:
    for operand in ("1e999", "-1e999", "2.0e422", "1E-325"):
        error = _refused('{"n": [{"numeric": ["=", ' + operand + "]}]}")
        assert str(error).splitlines()[0] == f"{REASON_PREFIX}Cannot compare number : {operand}"


@pytest.mark.parametrize(
    "pattern",
    [
        '{"n": [{"numeric": [">", 0]}]}',
        '{"n": [{"numeric": ["<", 0]}]}',
        '{"n": [{"numeric": ["=", 1]}]}',
        '{"n": [{"numeric": [">", 0, "<", 5]}]}',
    ],
)
def test_nan_in_a_mapping_event_matches_no_numeric_range(pattern: str) -> None:
    assert _matches(pattern, {"n": math.nan}) is False


def test_infinities_in_a_mapping_event_match_no_numeric_range() -> None:
    for value in (math.inf, -math.inf):
        assert _matches('{"n": [{"numeric": [">", 0]}]}', {"n": value}) is False
        assert _matches('{"n": [{"numeric": ["<", 0]}]}', {"n": value}) is False


# -- very long strings --------------------------------------------------------------------

LONG = "x" * 200_000 + "END"


def test_200_kb_values() -> None:
    event = json.dumps({"v": LONG, "w": "\u00e9" * 100_000})
    started = time.perf_counter()
    for pattern, expected in [
        ('{"v": [{"prefix": "xxx"}]}', True),
        ('{"v": [{"suffix": "xEND"}]}', True),
        ('{"v": [{"suffix": "yEND"}]}', False),
        ('{"v": [{"wildcard": "x*END"}]}', True),
        ('{"v": [{"wildcard": "*x*y*"}]}', False),
        ('{"v": [{"wildcard": "*xxEND"}]}', True),
        ('{"v": [{"equals-ignore-case": "XXX"}]}', False),
        ('{"v": [{"prefix": {"equals-ignore-case": "XXXX"}}]}', True),
        ('{"v": [{"anything-but": {"prefix": "xx"}}]}', False),
        ('{"v": [{"anything-but": {"wildcard": "*q*"}}]}', True),
        ('{"v": [{"cidr": "10.0.0.0/8"}]}', False),
        ('{"v": [{"numeric": [">", 0]}]}', False),
        ('{"w": [{"suffix": "\u00e9\u00e9"}], "v": [{"exists": true}]}', True),
        ('{"w": [{"equals-ignore-case": "\u00c9"}]}', False),
    ]:
        assert _matches(pattern, event) is expected, pattern
    assert _matches(json.dumps({"v": [LONG[:4000]]}), event) is False
    assert time.perf_counter() - started < GENEROUS_SECONDS


def test_200_kb_keys_and_envelopes() -> None:
    event = json.dumps({LONG: 1, "a": "x"})
    assert _matches('{"a": ["x"]}', event) is True
    assert _matches('{"b": [{"exists": false}]}', event) is True
    wrapped = json.dumps({**ENVELOPE, "detail": {"body": LONG}})
    assert eventbus.test_event_pattern('{"detail": {"body": [{"suffix": "END"}]}}', wrapped)
    assert not eventbus.test_event_pattern('{"detail": {"body": [{"prefix": "END"}]}}', wrapped)


# -- duplicate keys -----------------------------------------------------------------------


def test_duplicate_pattern_keys_last_one_wins() -> None:
    # "If multiple patterns are specified for the same JSON field, EventBridge only uses the
    # last one": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
    pattern = "{" + ", ".join(f'"a": ["{n}"]' for n in range(300)) + "}"
    assert len(pattern) <= 4096
    assert _matches(pattern, '{"a": "299"}') is True
    assert _matches(pattern, '{"a": "0"}') is False
    nested = '{"d": {"a": ["1"]}, "d": {"b": ["2"]}}'
    _accepted_or_refused(nested, '{"d": {"a": "1", "b": "2"}}', '{"d": {"a": "0", "b": "0"}}')


def test_duplicate_event_keys_last_one_wins() -> None:
    # Events follow the same rule as patterns: the last value given for a name is the value.
    assert _matches('{"a": ["2"]}', '{"a": "1", "a": "2"}') is True
    assert _matches('{"a": ["1"]}', '{"a": "1", "a": "2"}') is False
    assert _matches('{"a": {"b": ["x"]}}', '{"a": {"b": "x"}, "a": 5}') is False


# -- fuzzing ------------------------------------------------------------------------------

OPERATOR_NAMES = [
    "prefix",
    "suffix",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
    "equals-ignore-case",
    "wildcard",
    "exactly",
    "$or",
    "EXISTS",
    "detail",
    "a.b",
    "",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["*", "x*y", "\\*", "**", "10.0.0.0/24", "::/0", "<", ">=", "="]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(OPERATOR_NAMES), st.text(max_size=6)),
            children,
            max_size=4,
        ),
    ),
    max_leaves=16,
)
FUZZ_SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


SEED_PATTERNS = [
    '{"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]}',
    '{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}',
    '{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d": [{"numeric": ["=", 3.018e2]}]}}',
    '{"detail": {"ip": [{"cidr": "10.0.0.0/24"}, {"cidr": "2001:db8::/32"}]}}',
    '{"detail": {"FileName": [{"wildcard": "dir/*.png"}, {"suffix": {"equals-ignore-case": ".P"}}]'
    "}}",
    '{"$or": [{"a": [{"prefix": "x"}]}, {"$or": [{"b": [null]}, {"c": [{"exists": false}]}]}]}',
    '{"detail": {"v": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]}}',
    '{"detail": {"v": [{"anything-but": {"equals-ignore-case": ["a", "B"]}}, "", true, 0]}}',
    '{"detail.items": {"sku": ["A"], "qty": [{"numeric": [">=", 1]}]}}',
    '{"detail": {"w": [{"wildcard": "a\\\\*b\\\\\\\\c*"}], "e": [{"equals-ignore-case": "x"}]}}',
]
SEED_EVENTS = [
    json.dumps({**ENVELOPE, "detail": {"state": "running", "c-count": 3, "ip": "10.0.0.9"}}),
    json.dumps({**ENVELOPE, "detail": {"FileName": "dir/a.png", "v": "/usr/lib/x", "d": 301.8}}),
    json.dumps({**ENVELOPE, "detail": {"items": [{"sku": "A", "qty": 2}, {"sku": "B"}]}}),
    json.dumps({**ENVELOPE, "a": "xyz", "b": None, "detail": {"w": "a*b\\c!", "e": "X"}}),
]


def _exercise(pattern: str, event: str | bytes) -> None:
    """Add ``pattern``, match ``event``, run TestEventPattern: only the two AWS errors may escape,
    and RuleIndex and TestEventPattern must agree whenever both answer."""
    index = RuleIndex()
    with contextlib.suppress(*CLEAN_ERRORS):
        index.add("rule", pattern)
    matched: set[str] | None = None
    with contextlib.suppress(ValidationException):
        matched = index.match(event)
        assert matched <= {"rule"}
    text = event.decode("utf-8", "replace") if isinstance(event, bytes) else event
    with contextlib.suppress(*CLEAN_ERRORS):
        answer = eventbus.test_event_pattern(pattern, text)
        assert isinstance(answer, bool)
        if matched is not None and not isinstance(event, bytes):
            assert answer is ("rule" in matched)


@FUZZ_SETTINGS
@given(st.text(), st.text())
def test_fuzz_random_text(pattern: str, event: str) -> None:
    _exercise(pattern, event)


@FUZZ_SETTINGS
@given(JSON_VALUES, JSON_VALUES, st.booleans())
def test_fuzz_random_json(pattern: Any, event: Any, ascii_only: bool) -> None:
    _exercise(json.dumps(pattern, ensure_ascii=ascii_only), json.dumps(event))
    _exercise(json.dumps({"detail": pattern}), json.dumps({**ENVELOPE, "detail": event}))


@FUZZ_SETTINGS
@given(JSON_VALUES)
def test_fuzz_random_events_against_valid_patterns(detail: Any) -> None:
    event = json.dumps({**ENVELOPE, "detail": detail})
    for pattern in [*VALID_PATTERNS, *SEED_PATTERNS]:
        _exercise(pattern, event)


@FUZZ_SETTINGS
@given(st.binary(max_size=64))
def test_fuzz_random_bytes_as_events(event: bytes) -> None:
    _exercise('{"a": [{"exists": false}]}', event)


MUTATION_ALPHABET = '{}[]",:\\*-+.0123456789eEtrufalsn \t\n\x00\u00e9\ud800'


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """Flip, insert or delete a few bytes."""
    mutated = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        action = rng.randrange(3)
        position = rng.randrange(len(mutated) + 1)
        if action == 0 and mutated:
            spot = min(position, len(mutated) - 1)
            mutated[spot] ^= 1 << rng.randrange(8)
        elif action == 1:
            insert = rng.choice(MUTATION_ALPHABET).encode("utf-8", "surrogatepass")
            mutated[position:position] = insert
        elif mutated:
            del mutated[min(position, len(mutated) - 1)]
    return bytes(mutated)


@pytest.mark.parametrize("seed_pattern", SEED_PATTERNS)
def test_mutation_fuzz_of_valid_patterns(seed_pattern: str) -> None:
    for event in SEED_EVENTS:
        _exercise(seed_pattern, event)  # every seed is valid and every seed event is an event
    _index(seed_pattern)
    rng = random.Random(f"orderflow-hostile:{seed_pattern}")
    outcomes = {"accepted": 0, "refused": 0}
    for _ in range(300):
        data = _mutate(seed_pattern.encode("utf-8"), rng)
        pattern = data.decode("utf-8", "surrogateescape")
        index = RuleIndex()
        try:
            index.add("rule", pattern)
        except CLEAN_ERRORS:
            outcomes["refused"] += 1
            continue
        outcomes["accepted"] += 1
        for event in SEED_EVENTS:
            _exercise(pattern, event)
            assert index.match(event) <= {"rule"}
    assert outcomes["accepted"] and outcomes["refused"], outcomes


@pytest.mark.parametrize("seed_event", SEED_EVENTS)
def test_mutation_fuzz_of_valid_events(seed_event: str) -> None:
    rng = random.Random(f"orderflow-hostile-event:{seed_event}")
    for _ in range(300):
        data = _mutate(seed_event.encode("utf-8"), rng)
        for pattern in SEED_PATTERNS[:4]:
            _exercise(pattern, data)
            _exercise(pattern, data.decode("utf-8", "surrogateescape"))


@pytest.mark.parametrize("event", [["a"], None, 42, 4.5, True])
def test_an_event_that_is_no_object_or_text_is_refused_clearly(event: Any) -> None:
    index = RuleIndex()
    index.add("rule", '{"a": [{"exists": true}]}')
    with pytest.raises(ValidationException, match=r"^Parameter Event is not valid\.$"):
        index.match(event)


def test_arrays_nested_beyond_any_json_parser_in_a_mapping_are_refused() -> None:
    nested: list[Any] = ["x"]
    for _ in range(50_000):
        nested = [nested]
    index = RuleIndex()
    index.add("rule", '{"a": ["x"]}')
    with pytest.raises(ValidationException, match=r"^Parameter Event is not valid\.$"):
        index.match({"a": nested})
