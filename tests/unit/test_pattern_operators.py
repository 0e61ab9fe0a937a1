"""Table-driven tests of every event-pattern operator, built from the AWS EventBridge user guide.

Each table is a list of ``(pattern, event, expected)`` rows; a pattern or event given
as ``str`` is used as raw JSON text (so a literal such as ``3.018e2`` survives), anything
else is serialised with ``json.dumps``. The comment above each table names the AWS page
its examples and documented outcomes come from. Facts the user guide does not state
come from the project's ``/work/shared/conformance/SEMANTICS.md`` and say so.

Every row runs through ``RuleIndex``; rows whose event can be wrapped in a full
EventBridge envelope without changing the outcome also run through
``eventbus.test_event_pattern`` (called through the module so pytest does not collect it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from orderflow import eventbus
from orderflow.eventbus import InvalidEventPatternException, RuleIndex, ValidationException

USER_GUIDE = "https://docs.aws.amazon.com/eventbridge/latest/userguide/"
REASON_PREFIX = "Event pattern is not valid. Reason: "

Row = tuple[Any, Any, bool]

ENVELOPE: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "Orderflow Test",
    "source": "orderflow.test",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": [],
    "detail": {},
}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _matches(pattern: Any, event: Any) -> bool:
    index = RuleIndex()
    index.add("rule", _text(pattern))
    return index.match(_text(event)) == {"rule"}


def _reason(pattern: Any) -> str:
    """The first line of the reason AWS gives for refusing ``pattern``."""
    with pytest.raises(InvalidEventPatternException) as caught:
        RuleIndex().add("rule", _text(pattern))
    error = caught.value
    assert error.code == "InvalidEventPatternException"
    message = str(error)
    assert message.startswith(REASON_PREFIX)
    return message.removeprefix(REASON_PREFIX).splitlines()[0]


def _in_envelope(pattern: Any, event: Any) -> str | None:
    """``event`` wrapped in a TestEventPattern envelope, or None if that could change the answer.

    Wrapping adds the envelope's fields; that is harmless unless the pattern names one of
    them that the event itself does not set.
    """
    if not isinstance(event, dict):
        return None
    pattern_text = _text(pattern)
    added = [key for key in ENVELOPE if key not in event]
    if any(f'"{key}"' in pattern_text for key in added):
        return None
    return json.dumps({**ENVELOPE, **event})


def _check(pattern: Any, event: Any, expected: bool) -> None:
    assert _matches(pattern, event) is expected
    wrapped = _in_envelope(pattern, event)
    if wrapped is not None:
        assert eventbus.test_event_pattern(_text(pattern), wrapped) is expected


# -- exact values -------------------------------------------------------------------------

# The EC2 event and pattern of "Event patterns" / "Event pattern syntax":
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
# ("For strings, EventBridge uses exact character-by-character matching without
# case-folding"; a field named in the pattern must exist with the same nesting).
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}
EC2_PATTERN = {
    "source": ["aws.ec2"],
    "detail-type": ["EC2 Instance State-change Notification"],
    "detail": {"state": ["terminated"]},
}
MACIE_PATTERN = {
    "source": ["aws.macie"],
    "detail-type": ["Macie Alert"],
    "detail": {"risk-score": [80], "trigger": {"risk": [8]}},
}
MACIE_EVENT = {
    **ENVELOPE,
    "source": "aws.macie",
    "detail-type": "Macie Alert",
    "detail": {
        "notification-type": "ALERT_CREATED",
        "tags": ["Custom_Alert", "Insider"],
        "risk-score": 80,
        "trigger": {"alert-type": "basic", "risk": 8},
    },
}
EXACT: list[Row] = [
    (EC2_PATTERN, EC2_EVENT, True),
    (EC2_PATTERN, {**EC2_EVENT, "detail": {"state": "running"}}, False),
    (EC2_PATTERN, {**EC2_EVENT, "detail": {"state": "Terminated"}}, False),
    (EC2_PATTERN, {**EC2_EVENT, "source": "AWS.EC2"}, False),
    (EC2_PATTERN, {**EC2_EVENT, "detail": {}}, False),
    (EC2_PATTERN, {**EC2_EVENT, "state": "terminated", "detail": {}}, False),
    ({"source": ["aws.ec2", "aws.fargate"]}, {**EC2_EVENT, "source": "aws.fargate"}, True),
    ({"source": ["aws.ec2", "aws.fargate"]}, {**EC2_EVENT, "source": "aws.ecs"}, False),
    (MACIE_PATTERN, MACIE_EVENT, True),
    (MACIE_PATTERN, {**MACIE_EVENT, "detail": {"risk-score": 80, "trigger": {"risk": 9}}}, False),
    (MACIE_PATTERN, {**MACIE_EVENT, "detail": {"risk-score": "80", "trigger": {"risk": 8}}}, False),
    ({"Name": ["Alice"]}, {"Name": "Alice"}, True),
    ({"Name": ["Alice"]}, {"Name": "alice"}, False),
    ({"Name": ["Alice"]}, {"Name": "Alice "}, False),
    (
        {"Location": ["New York"], "Day": ["Monday"]},
        {"Location": "New York", "Day": "Monday"},
        True,
    ),
    (
        {"Location": ["New York"], "Day": ["Monday"]},
        {"Location": "New York", "Day": "Friday"},
        False,
    ),
    ({"Location": ["New York"], "Day": ["Monday"]}, {"Location": "New York"}, False),
    ({"count": [80]}, {"count": 80}, True),
    ({"count": [80]}, {"count": "80"}, False),
    ({"count": ["80"]}, {"count": 80}, False),
    ({"flag": [True]}, {"flag": True}, True),
    ({"flag": [True]}, {"flag": "true"}, False),
    ({"flag": [True]}, {"flag": 1}, False),
    ({"flag": [False]}, {"flag": 0}, False),
    ({"flag": [1]}, {"flag": True}, False),
    ({"flag": ["true"]}, {"flag": True}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), EXACT)
def test_exact_values(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# The user guide says "For numbers, EventBridge uses string representation. For example,
# 300, 300.0, and 3.0e2 are not considered equal"
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html), but a
# test recorded against real AWS (shared/conformance/SEMANTICS.md: "A number pattern 300
# matched the event value 300.0 on AWS") and AWS's matcher (event-ruler adds a numeric-equals
# matcher for every number in a pattern) compare by value. Observed behaviour wins; the
# choice is recorded in docs/decisions/0001-pattern-semantics.md.
@pytest.mark.parametrize("event_text", ['{"price": 300.0}', '{"price": 3.0e2}'])
def test_number_exact_match_compares_by_value_as_aws_did(event_text: str) -> None:
    assert _matches('{"price": [300]}', event_text) is True


def test_number_exact_match_same_representation() -> None:
    assert _matches('{"price": [300]}', '{"price": 300}') is True
    assert _matches('{"price": [300.5]}', '{"price": 300.5}') is True
    assert _matches('{"price": [300]}', '{"price": 301}') is False


# -- null and the empty string ------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
# ("Null values and empty strings are not interchangeable in pattern matching.")
NULL_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
    "detail-type": "EC2 Instance Launch Successful",
    "source": "aws.autoscaling",
    "account": "123456789012",
    "time": "2015-11-11T21:31:47Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {"eventVersion": "", "responseElements": None},
}
NULLS_AND_EMPTY: list[Row] = [
    ({"detail": {"eventVersion": [""]}}, NULL_EVENT, True),
    ({"detail": {"responseElements": [None]}}, NULL_EVENT, True),
    ({"detail": {"eventVersion": [None]}}, NULL_EVENT, False),
    ({"detail": {"responseElements": [""]}}, NULL_EVENT, False),
    ({"detail": {"responseElements": ["null"]}}, NULL_EVENT, False),
    ({"detail": {"missing": [None]}}, NULL_EVENT, False),
    ({"detail": {"missing": [""]}}, NULL_EVENT, False),
    (
        {
            "source": ["aws.autoscaling"],
            "detail-type": ["EC2 Instance Launch Successful"],
            "detail": {"responseElements": [None]},
        },
        NULL_EVENT,
        True,
    ),
    ({"UserID": [None]}, {"UserID": None}, True),
    ({"UserID": [None]}, {"UserID": "null"}, False),
    ({"LastName": [""]}, {"LastName": ""}, True),
    ({"LastName": [""]}, {"LastName": " "}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), NULLS_AND_EMPTY)
def test_null_and_empty_string(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- prefix and suffix --------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
# (#eb-filtering-prefix-matching, suffix matching, and both "while ignoring case"; prefix
# and suffix work on string values only).
PREFIX_SUFFIX: list[Row] = [
    ({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-02T18:43:48Z"}, True),
    ({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-03T18:43:48Z"}, False),
    ({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-0"}, False),
    (
        {"source": ["aws.autoscaling"], "region": [{"prefix": "eu-"}]},
        {**ENVELOPE, "source": "aws.autoscaling", "region": "eu-west-1"},
        True,
    ),
    (
        {"source": ["aws.autoscaling"], "region": [{"prefix": "eu-"}]},
        {**ENVELOPE, "source": "aws.autoscaling", "region": "us-east-1"},
        False,
    ),
    ({"Region": [{"prefix": "us-"}]}, {"Region": "US-east-1"}, False),
    ({"code": [{"prefix": "1"}]}, {"code": 10}, False),
    ({"code": [{"prefix": "1"}]}, {"code": "10"}, True),
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        {"detail": {"service": "EventBridge"}},
        True,
    ),
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        {"detail": {"service": "EVENTBRIDGE"}},
        True,
    ),
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        {"detail": {"service": "eventbus"}},
        True,
    ),
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        {"detail": {"service": "Event"}},
        False,
    ),
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        {"detail": {"service": "SQS"}},
        False,
    ),
    ({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.png"}, True),
    ({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.PNG"}, False),
    ({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.png.txt"}, False),
    ({"FileName": [{"suffix": ".png"}]}, {"FileName": "png"}, False),
    ({"FileName": [{"suffix": "5"}]}, {"FileName": 5}, False),
    (
        {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        {"detail": {"FileName": "image.PNG"}},
        True,
    ),
    (
        {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        {"detail": {"FileName": "image.Png"}},
        True,
    ),
    (
        {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        {"detail": {"FileName": "image.jpg"}},
        False,
    ),
    (
        {"service": [{"suffix": {"equals-ignore-case": "tbridge"}}]},
        {"service": "EvenTBRIDGE"},
        True,
    ),
    ({"service": [{"suffix": {"equals-ignore-case": "tbridge"}}]}, {"service": "tbridges"}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), PREFIX_SUFFIX)
def test_prefix_and_suffix(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- equals-ignore-case -------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
# ("Equals (ignore case): Name is "Alice"", "Name": [{"equals-ignore-case": "alice"}]).
EQUALS_IGNORE_CASE: list[Row] = [
    ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "Alice"}, True),
    ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "ALICE"}, True),
    ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "alice"}, True),
    ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "Alicia"}, False),
    ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "alice "}, False),
    ({"Name": [{"equals-ignore-case": "alice"}]}, {"Other": "alice"}, False),
    ({"Name": [{"equals-ignore-case": "5"}]}, {"Name": 5}, False),
    (
        {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]},
        EC2_EVENT,
        True,
    ),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), EQUALS_IGNORE_CASE)
def test_equals_ignore_case(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- anything-but -------------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
# (#eb-filtering-anything-but, -prefix, -suffix, -ignore-case, -wildcard) and the
# anything-but examples of
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
# The null-value and missing-field rows are SEMANTICS.md facts ("An event value of null
# DOES match anything-but "x"; a missing field does not").
ANYTHING_BUT: list[Row] = [
    (
        {"detail": {"state": [{"anything-but": "initializing"}]}},
        {"detail": {"state": "running"}},
        True,
    ),
    (
        {"detail": {"state": [{"anything-but": "initializing"}]}},
        {"detail": {"state": "initializing"}},
        False,
    ),
    (
        {"detail": {"state": [{"anything-but": "initializing"}]}},
        {"detail": {"state": "Initializing"}},
        True,
    ),
    ({"detail": {"x-limit": [{"anything-but": 123}]}}, {"detail": {"x-limit": 124}}, True),
    ({"detail": {"x-limit": [{"anything-but": 123}]}}, {"detail": {"x-limit": 123}}, False),
    (
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        {"detail": {"state": "running"}},
        True,
    ),
    (
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        {"detail": {"state": "stopped"}},
        False,
    ),
    (
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        {"detail": {"state": "overloaded"}},
        False,
    ),
    (
        {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
        {"detail": {"x-limit": 150}},
        True,
    ),
    (
        {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
        {"detail": {"x-limit": 200}},
        False,
    ),
    (
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        {"detail": {"state": "running"}},
        True,
    ),
    (
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        {"detail": {"state": "initializing"}},
        False,
    ),
    (
        {"source": [{"anything-but": {"prefix": "aws."}}]},
        {**ENVELOPE, "source": "com.example.orders"},
        True,
    ),
    ({"source": [{"anything-but": {"prefix": "aws."}}]}, {**ENVELOPE, "source": "aws.ec2"}, False),
    ({"FileName": [{"anything-but": {"suffix": ".png"}}]}, {"FileName": "photo.jpg"}, True),
    ({"FileName": [{"anything-but": {"suffix": ".png"}}]}, {"FileName": "photo.png"}, False),
    (
        {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]},
        {"state": "INITIALIZING"},
        False,
    ),
    (
        {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]},
        {"state": "running"},
        True,
    ),
    (
        {"state": [{"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}]},
        {"state": "Stopped"},
        False,
    ),
    (
        {"state": [{"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}]},
        {"state": "running"},
        True,
    ),
    (
        {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]},
        {"FilePath": "/usr/lib/libc.so"},
        False,
    ),
    ({"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"FilePath": "/usr/bin/env"}, True),
    (
        {"FilePath": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]},
        {"FilePath": "/usr/bin/env"},
        False,
    ),
    (
        {"FilePath": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]},
        {"FilePath": "/opt/app"},
        True,
    ),
    ({"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Sunny"}, True),
    ({"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Raining"}, False),
    ({"detail-type": [{"anything-but": "AWS API Call via CloudTrail"}]}, EC2_EVENT, True),
    (
        {"detail-type": [{"anything-but": "AWS API Call via CloudTrail"}]},
        {**EC2_EVENT, "detail-type": "AWS API Call via CloudTrail"},
        False,
    ),
    ({"state": [{"anything-but": "x"}]}, {"state": None}, True),
    ({"state": [{"anything-but": "x"}]}, {"other": "y"}, False),
    ({"state": [{"anything-but": "initializing"}]}, {"state": ["initializing", "running"]}, True),
    ({"state": [{"anything-but": "initializing"}]}, {"state": ["initializing"]}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), ANYTHING_BUT)
def test_anything_but(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- numeric ------------------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
# ("Numeric matching works with values that are JSON numbers"; the c-count / d-count /
# x-limit pattern) and the "Numeric (equals)" / "Numeric (range)" rows of
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
NUMERIC_DOC_PATTERN = (
    '{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], '
    '"d-count": [{"numeric": ["<", 10]}], "x-limit": [{"numeric": ["=", 3.018e2]}]}}'
)
NUMERIC: list[Row] = [
    (NUMERIC_DOC_PATTERN, {"detail": {"c-count": 5, "d-count": 9, "x-limit": 301.8}}, True),
    (NUMERIC_DOC_PATTERN, '{"detail": {"c-count": 0.5, "d-count": -3, "x-limit": 3.018e2}}', True),
    (NUMERIC_DOC_PATTERN, {"detail": {"c-count": 0, "d-count": 9, "x-limit": 301.8}}, False),
    (NUMERIC_DOC_PATTERN, {"detail": {"c-count": 5.0001, "d-count": 9, "x-limit": 301.8}}, False),
    (NUMERIC_DOC_PATTERN, {"detail": {"c-count": 5, "d-count": 10, "x-limit": 301.8}}, False),
    (NUMERIC_DOC_PATTERN, {"detail": {"c-count": 5, "d-count": 9, "x-limit": 301.9}}, False),
    (NUMERIC_DOC_PATTERN, {"detail": {"c-count": 5, "d-count": 9}}, False),
    ({"Price": [{"numeric": ["=", 100]}]}, '{"Price": 100}', True),
    ({"Price": [{"numeric": ["=", 100]}]}, '{"Price": 100.0}', True),
    ({"Price": [{"numeric": ["=", 100]}]}, '{"Price": 1e2}', True),
    ({"Price": [{"numeric": ["=", 100]}]}, '{"Price": 101}', False),
    ({"Price": [{"numeric": ["=", 100]}]}, '{"Price": "100"}', False),
    ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 10}, False),
    ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 10.5}, True),
    ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 20}, True),
    ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 20.01}, False),
    ({"n": [{"numeric": [">=", 0, "<", 1]}]}, {"n": 0}, True),
    ({"n": [{"numeric": [">=", 0, "<", 1]}]}, {"n": 1}, False),
    ({"n": [{"numeric": ["<", 10]}]}, {"n": 9.999}, True),
    ({"n": [{"numeric": ["<", 10]}]}, {"n": 10}, False),
    ({"n": [{"numeric": ["<=", 10]}]}, {"n": 10}, True),
    ({"n": [{"numeric": [">", 0]}]}, {"n": 0}, False),
    ({"n": [{"numeric": [">=", 0]}]}, {"n": 0}, True),
    ({"n": [{"numeric": [">", -5]}]}, {"n": -4.5}, True),
    ({"n": [{"numeric": ["<", -5]}]}, {"n": -4.5}, False),
    ({"n": [{"numeric": [">", 0]}]}, {"n": "5"}, False),
    ({"n": [{"numeric": [">", 0]}]}, {"n": None}, False),
    ({"n": [{"numeric": [">", 0]}]}, {"n": True}, False),
    ({"n": [{"numeric": [">", 0]}]}, {"m": 5}, False),
    ({"n": [{"numeric": [">", 0, "<", 10]}]}, {"n": [100, 5, 200]}, True),
    ({"n": [{"numeric": [">", 0, "<", 10]}]}, {"n": [100, 200]}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), NUMERIC)
def test_numeric(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- exists -------------------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
# ("Exists matching only works on leaf nodes. It does not work on intermediate nodes";
# {"exists": false} on c-count matches an event where c-count is an object, "because
# c-count isn't a leaf node"; {"exists": true} on detail.state does not match an event
# whose detail has no state) and the "Exists" / "Does not exist" rows of
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
# "exists: true does not match []" is a SEMANTICS.md fact.
EXISTS_EVENT = {
    **ENVELOPE,
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "detail": {"instance-id": "i-abcd1111", "state": "pending"},
}
INTERMEDIATE_EVENT = {"detail": {"state": ["initializing", "running"], "c-count": {"c1": 100}}}
EXISTS: list[Row] = [
    ({"detail": {"state": [{"exists": True}]}}, EXISTS_EVENT, True),
    ({"detail": {"state": [{"exists": True}]}}, {"detail": {"c-count": {"c1": 100}}}, False),
    ({"detail": {"c-count": [{"exists": False}]}}, {"detail": {"state": ["initializing"]}}, True),
    ({"detail": {"c-count": [{"exists": False}]}}, INTERMEDIATE_EVENT, True),
    ({"detail": {"c-count": [{"exists": True}]}}, INTERMEDIATE_EVENT, False),
    ({"detail": {"c-count": [{"exists": False}]}}, {"detail": {"c-count": 3}}, False),
    ({"detail": {"c-count": [{"exists": True}]}}, {"detail": {"c-count": 3}}, True),
    ({"detail": [{"exists": True}]}, {"detail": {"state": "pending"}}, False),
    ({"ProductName": [{"exists": True}]}, {"ProductName": "Widget"}, True),
    ({"ProductName": [{"exists": True}]}, {"Product": "Widget"}, False),
    ({"ProductName": [{"exists": False}]}, {"Product": "Widget"}, True),
    ({"ProductName": [{"exists": False}]}, {"ProductName": "Widget"}, False),
    ({"tags": [{"exists": True}]}, {"tags": []}, False),
    ({"tags": [{"exists": True}]}, {"tags": ["a"]}, True),
    ({"detail": {"description": [{"exists": True}]}}, {"detail": {"description": ""}}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), EXISTS)
def test_exists(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- cidr ---------------------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
# ("You can use IP address matching for IPv4 and IPv6 addresses"; sourceIPAddress in
# 10.0.0.0/24). "Non-string event values never match" is a SEMANTICS.md fact.
CIDR: list[Row] = [
    (
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        {"detail": {"sourceIPAddress": "10.0.0.0"}},
        True,
    ),
    (
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        {"detail": {"sourceIPAddress": "10.0.0.255"}},
        True,
    ),
    (
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        {"detail": {"sourceIPAddress": "10.0.1.0"}},
        False,
    ),
    (
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        {"detail": {"sourceIPAddress": "9.255.255.255"}},
        False,
    ),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8:1::1"}, True),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db9::1"}, False),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "10.0.0.1"}, False),
    ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "2001:db8::1"}, False),
    ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "not-an-ip"}, False),
    ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": 167772161}, False),
    ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": None}, False),
    ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": True}, False),
    ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": ["192.168.0.1", "10.1.2.3"]}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), CIDR)
def test_cidr(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- wildcard -----------------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
# (wildcard matching: "Any file with a .png extension, located within the folder "dir"",
# "FileName": [{"wildcard": "dir/*.png"}]; the EventBusArn example with "*" in the
# account and bus name). Escapes \* and \\ are SEMANTICS.md facts. In Python source a
# single backslash of the pattern is written "\\".
WILDCARD: list[Row] = [
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "dir/image.png"}, True),
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "dir/sub/image.png"}, True),
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "dir/.png"}, True),
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "dir/image.jpg"}, False),
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "xdir/image.png"}, False),
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "dir/image.png.bak"}, False),
    ({"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "DIR/image.png"}, False),
    (
        {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
        {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
        True,
    ),
    (
        {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
        {"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/default"},
        False,
    ),
    ({"v": [{"wildcard": "*"}]}, {"v": ""}, True),
    ({"v": [{"wildcard": "*"}]}, {"v": "anything"}, True),
    ({"v": [{"wildcard": "*"}]}, {"v": 5}, False),
    ({"v": [{"wildcard": "*"}]}, {"v": None}, False),
    ({"v": [{"wildcard": "*Title*"}]}, {"v": "The Title Page"}, True),
    ({"v": [{"wildcard": "*Title*"}]}, {"v": "the title page"}, False),
    ({"v": [{"wildcard": "a\\*b"}]}, {"v": "a*b"}, True),
    ({"v": [{"wildcard": "a\\*b"}]}, {"v": "aXb"}, False),
    ({"v": [{"wildcard": "a\\*b"}]}, {"v": "ab"}, False),
    ({"v": [{"wildcard": "a\\\\b"}]}, {"v": "a\\b"}, True),
    ({"v": [{"wildcard": "a\\\\*"}]}, {"v": "a\\anything"}, True),
    ({"v": [{"wildcard": "a\\\\*"}]}, {"v": "a/anything"}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), WILDCARD)
def test_wildcard(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- $or ----------------------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
# ("Or: Location is "New York", or Day is "Monday"", "$or": [{"Location": ["New York"]},
# {"Day": ["Monday"]}], and "Or: PaymentType is "Credit" or "Debit""; $or matching of the
# c-count / d-count / x-limit fields, alone and nested). "At least two objects" is a
# SEMANTICS.md fact.
OR_LOCATION_DAY = {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}
OR_DETAIL = (
    '{"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]}, '
    '{"d-count": [{"numeric": ["<", 10]}]}, {"x-limit": [{"numeric": ["=", 3.018e2]}]}]}}'
)
OR_NESTED = {
    "source": ["aws.cloudwatch"],
    "$or": [
        {"metricName": ["CPUUtilization", "ReadLatency"]},
        {"$or": [{"metricType": ["MetricType"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}]},
    ],
}
OR: list[Row] = [
    ({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Debit"}, True),
    ({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Cash"}, False),
    (OR_LOCATION_DAY, {"Location": "New York", "Day": "Tuesday"}, True),
    (OR_LOCATION_DAY, {"Location": "Boston", "Day": "Monday"}, True),
    (OR_LOCATION_DAY, {"Location": "New York", "Day": "Monday"}, True),
    (OR_LOCATION_DAY, {"Location": "Boston", "Day": "Tuesday"}, False),
    (OR_LOCATION_DAY, {}, False),
    (OR_DETAIL, {"detail": {"c-count": 3}}, True),
    (OR_DETAIL, {"detail": {"d-count": 3}}, True),
    (OR_DETAIL, {"detail": {"x-limit": 301.8}}, True),
    (OR_DETAIL, {"detail": {"c-count": 10, "d-count": 20, "x-limit": 1}}, False),
    (OR_NESTED, {**ENVELOPE, "source": "aws.cloudwatch", "metricName": "ReadLatency"}, True),
    (OR_NESTED, {**ENVELOPE, "source": "aws.cloudwatch", "namespace": "AWS/ES"}, True),
    (OR_NESTED, {**ENVELOPE, "source": "aws.cloudwatch", "metricType": "MetricType"}, True),
    (OR_NESTED, {**ENVELOPE, "source": "aws.cloudwatch", "namespace": "AWS/S3"}, False),
    (OR_NESTED, {**ENVELOPE, "source": "aws.ec2", "metricName": "CPUUtilization"}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), OR)
def test_or(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- nesting and dotted keys --------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
# ("The field names must also appear in the event with the same nesting structure";
# EventBridge "uses dot (.) as the joining character" when it compiles a pattern, so a
# dotted key and the nested form are the same path, in patterns and in events alike).
NESTING: list[Row] = [
    ({"detail": {"state": ["x"]}}, {"detail": {"state": "x"}}, True),
    ({"detail": {"state": ["x"]}}, {"state": "x"}, False),
    ({"detail": {"state": ["x"]}}, {"detail": "x"}, False),
    ({"detail": {"state": ["x"]}}, {"detail": {"state": {"inner": "x"}}}, False),
    ({"detail": {"state": ["x"]}}, {"detail": {"other": {"state": "x"}}}, False),
    ({"detail.state": ["x"]}, {"detail": {"state": "x"}}, True),
    ({"detail": {"state": ["x"]}}, {"detail.state": "x"}, True),
    ({"a.b": {"c": [1]}}, {"a": {"b.c": 1}}, True),
    ({"a": {"b.c": [1]}}, {"a.b": {"c": 1}}, True),
    ({"a.b.c": [1]}, {"a": {"b": {"c": 2}}}, False),
    ({"a": {"b": {"c": {"d": {"e": ["deep"]}}}}}, {"a": {"b": {"c": {"d": {"e": "deep"}}}}}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), NESTING)
def test_nesting_and_dotted_keys(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- arrays -------------------------------------------------------------------------------

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
# ("If the value in the event is an array, then the event pattern matches if the
# intersection of the event pattern array and the event array is non-empty"; the
# resources example). Array-consistent matching across fields of one array element is a
# SEMANTICS.md fact (AWS's matching library).
RESOURCES_PATTERN = {
    "resources": [
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
    ]
}
RESOURCES_EVENT = {
    **ENVELOPE,
    "resources": [
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-"
        "d5978ed4a025:autoScalingGroupName/ASGTerminate",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
    ],
}
ITEMS = {"detail": {"items": {"sku": ["A"], "qty": [2]}}}
ARRAYS: list[Row] = [
    (RESOURCES_PATTERN, RESOURCES_EVENT, True),
    (RESOURCES_PATTERN, {**ENVELOPE, "resources": ["arn:aws:s3:::bucket"]}, False),
    (RESOURCES_PATTERN, {**ENVELOPE, "resources": []}, False),
    ({"tags": ["Insider"]}, {"tags": ["Custom_Alert", "Insider"]}, True),
    ({"tags": ["Insider"]}, {"tags": ["Custom_Alert"]}, False),
    ({"tags": [{"prefix": "Cust"}]}, {"tags": ["Insider", "Custom_Alert"]}, True),
    ({"d": {"k": ["a"]}}, {"d": [{"k": "b"}, {"k": "a"}]}, True),
    ({"d": {"k": ["a"]}}, {"d": [{"k": "b"}, {"k": "c"}]}, False),
    (ITEMS, {"detail": {"items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]}}, True),
    (ITEMS, {"detail": {"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}}, False),
    (ITEMS, {"detail": {"items": [{"sku": "A"}, {"qty": 2}]}}, False),
    (ITEMS, {"detail": {"items": [{"sku": "B", "qty": 1}, {"sku": "A", "qty": 2}]}}, True),
    (
        {"d": {"k": ["a"], "info": {"x": ["1"]}}},
        {"d": [{"k": "a", "info": {"x": "1"}}]},
        True,
    ),
    (
        {"d": {"k": ["a"], "info": {"x": ["1"]}}},
        {"d": [{"k": "a"}, {"info": {"x": "1"}}]},
        False,
    ),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), ARRAYS)
def test_arrays(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- JSON text inside a string value ------------------------------------------------------

# SEMANTICS.md: "A JSON string inside detail is never parsed." (Patterns follow the
# event's JSON structure: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html)
JSON_IN_STRINGS: list[Row] = [
    ({"detail": {"state": ["x"]}}, {"detail": '{"state": "x"}'}, False),
    ({"detail": {"state": [{"exists": True}]}}, {"detail": '{"state": "x"}'}, False),
    ({"detail": {"state": [{"exists": False}]}}, {"detail": '{"state": "x"}'}, True),
    ({"detail": {"body": {"id": [1]}}}, {"detail": {"body": '{"id": 1}'}}, False),
    ({"detail": {"body": ['{"id": 1}']}}, {"detail": {"body": '{"id": 1}'}}, True),
    ({"detail": {"body": [{"prefix": "{"}]}}, {"detail": {"body": '{"id": 1}'}}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), JSON_IN_STRINGS)
def test_json_strings_inside_values_are_never_parsed(
    pattern: Any, event: Any, expected: bool
) -> None:
    _check(pattern, event, expected)


# -- one field named twice -----------------------------------------------------------------

# "If multiple patterns are specified for the same JSON field, EventBridge only uses the
# last one" (the location prefix / anything-but example):
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
DUPLICATE_KEY_PATTERN = (
    '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}'
)
DUPLICATE_KEYS: list[Row] = [
    (DUPLICATE_KEY_PATTERN, {"detail": {"location": "eu-west"}}, True),
    (DUPLICATE_KEY_PATTERN, {"detail": {"location": "us-west"}}, True),
    (DUPLICATE_KEY_PATTERN, {"detail": {"location": "us-east"}}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), DUPLICATE_KEYS)
def test_last_of_duplicate_pattern_keys_wins(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- several operators at once ------------------------------------------------------------

# "Complex example with multiple matching":
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
COMPLEX_PATTERN = (
    '{"time": [{"prefix": "2017-10-02"}], "detail": {'
    '"state": [{"anything-but": "initializing"}], '
    '"c-count": [{"numeric": [">", 0, "<=", 5]}], '
    '"d-count": [{"numeric": ["<", 10]}], '
    '"x-limit": [{"anything-but": [100, 200, 300]}]}}'
)
COMPLEX_DETAIL = {"state": "running", "c-count": 5, "d-count": 2, "x-limit": 150}
COMPLEX: list[Row] = [
    (COMPLEX_PATTERN, {**ENVELOPE, "time": "2017-10-02T18:43:48Z", "detail": COMPLEX_DETAIL}, True),
    (
        COMPLEX_PATTERN,
        {**ENVELOPE, "time": "2017-10-03T18:43:48Z", "detail": COMPLEX_DETAIL},
        False,
    ),
    (
        COMPLEX_PATTERN,
        {
            **ENVELOPE,
            "time": "2017-10-02T00:00:00Z",
            "detail": {**COMPLEX_DETAIL, "state": "initializing"},
        },
        False,
    ),
    (
        COMPLEX_PATTERN,
        {**ENVELOPE, "time": "2017-10-02T00:00:00Z", "detail": {**COMPLEX_DETAIL, "c-count": 6}},
        False,
    ),
    (
        COMPLEX_PATTERN,
        {**ENVELOPE, "time": "2017-10-02T00:00:00Z", "detail": {**COMPLEX_DETAIL, "x-limit": 300}},
        False,
    ),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), COMPLEX)
def test_complex_pattern(pattern: Any, event: Any, expected: bool) -> None:
    _check(pattern, event, expected)


# -- validation errors --------------------------------------------------------------------

# The reasons AWS gives (first line, after "Event pattern is not valid. Reason: "), from
# SEMANTICS.md and the wording AWS's matching library uses; the anything-but prefix list
# row follows "Anything-but matching only works with a single prefix, not a list":
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
ErrorRow = tuple[Any, str]
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
ERRORS: list[ErrorRow] = [
    ({"source": "aws.ec2"}, '"source" must be an object or an array'),
    ({"detail": {"state": "running"}}, '"state" must be an object or an array'),
    ({"detail": {"count": 5}}, '"count" must be an object or an array'),
    ({"source": []}, "Empty arrays are not allowed"),
    ({"detail": {"state": []}}, "Empty arrays are not allowed"),
    ({"a": [{"EXISTS": True}]}, "Unrecognized match type EXISTS"),
    ({"a": [{"Prefix": "x"}]}, "Unrecognized match type Prefix"),
    (
        {"a": [{"anything-but": None}]},
        "Value of anything-but must be an array or single string/number value.",
    ),
    (
        {"a": [{"anything-but": ["x", None]}]},
        "Inside anything but list, start|null|boolean is not supported.",
    ),
    (
        {"a": [{"anything-but": [None]}]},
        "Inside anything but list, start|null|boolean is not supported.",
    ),
    (
        {"a": [{"anything-but": ["x", 1]}]},
        "Inside anything but list, either all values are number or string, "
        "mixed type is not supported",
    ),
    (
        {"a": [{"anything-but": {"prefix": ["us-", "eu-"]}}]},
        "prefix/suffix match pattern must be a string",
    ),
    ({"a": [{"anything-but": {"prefix": ""}}]}, "Null prefix/suffix not allowed"),
    ({"a": [{"prefix": 5}]}, "prefix match pattern must be a string"),
    ({"a": [{"suffix": None}]}, "suffix match pattern must be a string"),
    ({"a": [{"equals-ignore-case": ["x"]}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"wildcard": 5}]}, "wildcard match pattern must be a string"),
    ({"a": [{"numeric": [">", "5"]}]}, "Value of > must be numeric"),
    ({"a": [{"numeric": ["=", True]}]}, "Value of equals must be numeric"),
    ({"a": [{"numeric": [">", 10, "<", 5]}]}, "Bottom must be less than top"),
    ({"a": [{"numeric": ["==", 1]}]}, "Unrecognized numeric range operator: =="),
    ({"a": [{"exists": "true"}]}, "exists match pattern must be either true or false."),
    ({"a": [{"exists": True, "prefix": "x"}]}, "Only one key allowed in match expression"),
    ({"a": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR, one '/' required"),
    ({"$or": [{"a": ["1"]}]}, "There must have at least 2 Objects in $or relationship."),
    ({"$or": {"a": ["1"]}}, "It must be an Array followed with $or."),
    ({"a": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}, TOO_COMPLEX),
]


@pytest.mark.parametrize(("pattern", "reason"), ERRORS)
def test_validation_errors_use_aws_wording(pattern: Any, reason: str) -> None:
    assert _reason(pattern) == reason


def test_nonstandard_ip_address_is_refused() -> None:
    assert _reason({"a": [{"cidr": "10.0.0.300/24"}]}).startswith("Nonstandard IP address")


def test_consecutive_wildcards_are_refused() -> None:
    assert _reason({"a": [{"wildcard": "dir/**.png"}]}).startswith(
        "Consecutive wildcard characters at pos "
    )


# AWS's matcher reports the position in the quoted string value, so "abc**def" is refused
# "at pos 4" (aws/event-ruler, JsonRuleCompilerTest.testWildcardConsecutiveWildcards;
# SEMANTICS.md names event-ruler as AWS's matching library).
def test_consecutive_wildcard_position_matches_aws() -> None:
    assert _reason('{"key": [{"wildcard": "abc**def"}]}') == (
        "Consecutive wildcard characters at pos 4"
    )


def test_moderately_complex_wildcards_are_accepted() -> None:
    # The documented EventBusArn wildcard is accepted (eb-create-pattern-operators.html).
    index = RuleIndex()
    index.add("rule", '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}')
    assert "rule" in index


# An EventPattern is at most 4,096 characters (PutRule's EventPattern length constraint,
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html; SEMANTICS.md).
def _pattern_of_length(length: int) -> str:
    head, tail = '{"a": ["', '"]}'
    text = head + "x" * (length - len(head) - len(tail)) + tail
    assert len(text) == length
    return text


def test_pattern_of_4096_characters_is_accepted() -> None:
    index = RuleIndex()
    index.add("rule", _pattern_of_length(4096))
    assert index.match({"a": "x" * (4096 - 11)}) == {"rule"}


def test_pattern_over_4096_characters_is_a_validation_error() -> None:
    with pytest.raises(ValidationException) as caught:
        RuleIndex().add("rule", _pattern_of_length(4097))
    assert caught.value.code == "ValidationException"
    assert "4096" in str(caught.value)
    with pytest.raises(ValidationException):
        eventbus.test_event_pattern(_pattern_of_length(4097), json.dumps(ENVELOPE))


# -- TestEventPattern ---------------------------------------------------------------------

# "The JSON must follow the format specified in AWS Events, and the following fields are
# mandatory: id, account, source, time, region, resources, detail-type":
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html
REQUIRED_FIELDS = ["id", "account", "source", "time", "region", "resources", "detail-type"]


def test_test_event_pattern_answers_true_and_false() -> None:
    pattern = '{"source": ["com.mycompany.myapp"]}'
    event = {**ENVELOPE, "source": "com.mycompany.myapp"}
    assert eventbus.test_event_pattern(pattern, json.dumps(event)) is True
    assert eventbus.test_event_pattern(pattern, json.dumps(ENVELOPE)) is False


def test_test_event_pattern_does_not_require_detail() -> None:
    event = {key: value for key, value in ENVELOPE.items() if key != "detail"}
    assert eventbus.test_event_pattern('{"source": ["orderflow.test"]}', json.dumps(event)) is True


@pytest.mark.parametrize("missing", REQUIRED_FIELDS)
def test_test_event_pattern_requires_envelope_fields(missing: str) -> None:
    event = {key: value for key, value in ENVELOPE.items() if key != missing}
    with pytest.raises(ValidationException) as caught:
        eventbus.test_event_pattern('{"source": ["orderflow.test"]}', json.dumps(event))
    assert str(caught.value) == "Parameter Event is not valid."
    assert caught.value.code == "ValidationException"


@pytest.mark.parametrize(
    "event_text",
    ["[]", '"event"', "42", "null", "true", "not json", "", json.dumps([ENVELOPE])],
)
def test_test_event_pattern_requires_an_object(event_text: str) -> None:
    with pytest.raises(ValidationException) as caught:
        eventbus.test_event_pattern('{"source": ["orderflow.test"]}', event_text)
    assert str(caught.value) == "Parameter Event is not valid."


def test_test_event_pattern_refuses_an_invalid_pattern() -> None:
    with pytest.raises(InvalidEventPatternException) as caught:
        eventbus.test_event_pattern('{"source": "orderflow.test"}', json.dumps(ENVELOPE))
    assert str(caught.value).startswith(
        'Event pattern is not valid. Reason: "source" must be an object or an array'
    )
