"""The JSONPath subset of orderflow.eventbus.jsonpath: what compiles, what it selects, what fails.

Supported syntax per the EventBridge user guide ("dot notation, dashes, underscores,
alphanumeric characters, array indices, wildcards (*), forward slashes"):
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
"""

from __future__ import annotations

from typing import Any

import pytest

from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.jsonpath import MISSING, WILDCARD, JsonPath, Step, compile_path

# The example event of the user guide page above.
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING"},
}

ORDER: dict[str, Any] = {
    "detail": {
        "items": [
            {"sku": "A-1", "qty": 2},
            {"qty": 1},
            {"sku": "C-3", "qty": None},
        ],
        "key with.dots": "dotted",
        "a-b": {"c_d": {"e/f": 7}},
        "quote'd": "single",
        'dq"d': "double",
        "back\\slash": "backslash",
        "": "empty name",
        "ünï": "unicode",
        "0": "string zero",
        "flag": False,
        "nothing": None,
    },
    "list": [[1, 2], [3]],
}

# --- compile: accepted syntax ------------------------------------------------------------------

COMPILES: list[tuple[str, tuple[Step, ...]]] = [
    ("$", ()),
    ("$.detail", ("detail",)),
    ("$.detail-type", ("detail-type",)),
    ("$.detail.instance-id", ("detail", "instance-id")),
    ("$.a_b.c/d.E9", ("a_b", "c/d", "E9")),
    ("$.ünï", ("ünï",)),
    ("$.resources[0]", ("resources", 0)),
    ("$.a[12][3]", ("a", 12, 3)),
    ("$.a[-1]", ("a", -1)),
    ("$['a-b']", ("a-b",)),
    ('$["a-b"]', ("a-b",)),
    ("$.a['key with.dots']", ("a", "key with.dots")),
    ("$['']", ("",)),
    (r"$['quote\'d']", ("quote'd",)),
    (r'$["dq\"d"]', ('dq"d',)),
    (r"$['back\\slash']", ("back\\slash",)),
    ("$['<>[].*$ ']", ("<>[].*$ ",)),
    ("$['0']", ("0",)),
    ("$.detail.items[*].sku", ("detail", "items", WILDCARD, "sku")),
    ("$.detail.*", ("detail", WILDCARD)),
    ("$[*]", (WILDCARD,)),
    ("$.*.*", (WILDCARD, WILDCARD)),
]


@pytest.mark.parametrize(("text", "steps"), COMPILES)
def test_compile_accepts(text: str, steps: tuple[Step, ...]) -> None:
    path = compile_path(text)
    assert path == JsonPath(text=text, steps=steps)
    assert path.definite is (WILDCARD not in steps)


# --- compile: rejected syntax, with the exact message ------------------------------------------

REJECTS: list[tuple[str, str]] = [
    ("", "Invalid JSONPath '' at character 0: a JSONPath must start with '$'."),
    ("detail", "Invalid JSONPath 'detail' at character 0: a JSONPath must start with '$'."),
    (" $.a", "Invalid JSONPath ' $.a' at character 0: a JSONPath must start with '$'."),
    ("@.a", "Invalid JSONPath '@.a' at character 0: a JSONPath must start with '$'."),
    ("$a", "Invalid JSONPath '$a' at character 1: expected '.' or '[' but found 'a'."),
    ("$.a ", "Invalid JSONPath '$.a ' at character 3: expected '.' or '[' but found ' '."),
    ("$.", "Invalid JSONPath '$.' at character 2: expected a member name after '.'."),
    ("$.a.", "Invalid JSONPath '$.a.' at character 4: expected a member name after '.'."),
    ("$..a", "Invalid JSONPath '$..a' at character 2: recursive descent '..' is not supported."),
    (
        "$.a b",
        "Invalid JSONPath '$.a b' at character 3: expected '.' or '[' but found ' '.",
    ),
    (
        "$.$a",
        "Invalid JSONPath '$.$a' at character 2: '$' is not allowed in a dotted name; "
        "use ['...'] instead.",
    ),
    (
        "$.a:b",
        "Invalid JSONPath '$.a:b' at character 3: expected '.' or '[' but found ':'.",
    ),
    (
        "$.<a>",
        "Invalid JSONPath '$.<a>' at character 2: '<' is not allowed in a dotted name; "
        "use ['...'] instead.",
    ),
    ("$[", "Invalid JSONPath '$[' at character 2: unclosed '['."),
    ("$[0", "Invalid JSONPath '$[0' at character 3: expected ']' but found the end."),
    ("$[*", "Invalid JSONPath '$[*' at character 3: expected ']' but found the end."),
    ("$[0,1]", "Invalid JSONPath '$[0,1]' at character 3: expected ']' but found ','."),
    ("$[0:2]", "Invalid JSONPath '$[0:2]' at character 3: expected ']' but found ':'."),
    ("$['a','b']", "Invalid JSONPath \"$['a','b']\" at character 5: expected ']' but found ','."),
    (
        "$[ 0]",
        "Invalid JSONPath '$[ 0]' at character 2: expected an index, a quoted name or '*' inside "
        "'[...]' (filters, slices and script expressions are not supported).",
    ),
    (
        "$[?(@.a)]",
        "Invalid JSONPath '$[?(@.a)]' at character 2: expected an index, a quoted name or '*' "
        "inside '[...]' (filters, slices and script expressions are not supported).",
    ),
    (
        "$[(@.length-1)]",
        "Invalid JSONPath '$[(@.length-1)]' at character 2: expected an index, a quoted name or "
        "'*' inside '[...]' (filters, slices and script expressions are not supported).",
    ),
    (
        "$[a]",
        "Invalid JSONPath '$[a]' at character 2: expected an index, a quoted name or '*' inside "
        "'[...]' (filters, slices and script expressions are not supported).",
    ),
    (
        "$[01]",
        "Invalid JSONPath '$[01]' at character 2: an array index may not have leading zeros.",
    ),
    ("$[-0]", "Invalid JSONPath '$[-0]' at character 2: -0 is not an array index."),
    ("$[-]", "Invalid JSONPath '$[-]' at character 2: expected digits of an array index."),
    ("$[٣]", "Invalid JSONPath '$[٣]' at character 2: expected digits of an array index."),
    ("$['a'", "Invalid JSONPath \"$['a'\" at character 5: expected ']' but found the end."),
    ("$['a]", 'Invalid JSONPath "$[\'a]" at character 2: unterminated quoted name.'),
    (
        r"$['a\nb']",
        "Invalid JSONPath \"$['a\\\\nb']\" at character 4: only \\' and \\\\ may be escaped in a "
        "quoted name.",
    ),
    ("$.a[0]x", "Invalid JSONPath '$.a[0]x' at character 6: expected '.' or '[' but found 'x'."),
    ("$.**", "Invalid JSONPath '$.**' at character 3: expected '.' or '[' but found '*'."),
]


@pytest.mark.parametrize(("text", "message"), REJECTS)
def test_compile_rejects(text: str, message: str) -> None:
    with pytest.raises(ValidationException) as caught:
        compile_path(text)
    assert str(caught.value) == message
    assert caught.value.code == "ValidationException"


# --- select ------------------------------------------------------------------------------------

SELECTS: list[tuple[str, dict[str, Any], object]] = [
    # The user guide's InputPathsMap example paths, on its example event.
    ("$.time", EC2_EVENT, "2015-11-11T21:29:54Z"),
    ("$.detail.instance-id", EC2_EVENT, "i-0123456789"),
    ("$.detail.state", EC2_EVENT, "RUNNING"),
    ("$.resources[0]", EC2_EVENT, "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"),
    ("$.detail", EC2_EVENT, {"instance-id": "i-0123456789", "state": "RUNNING"}),
    ("$", EC2_EVENT, EC2_EVENT),
    # Definite paths that reach nothing.
    ("$.detail.missing", EC2_EVENT, MISSING),
    ("$.resources[1]", EC2_EVENT, MISSING),
    ("$.resources[-2]", EC2_EVENT, MISSING),
    ("$.detail[0]", EC2_EVENT, MISSING),
    ("$.resources.length", EC2_EVENT, MISSING),
    ("$.time.x", EC2_EVENT, MISSING),
    ("$.version[0]", EC2_EVENT, MISSING),
    ("$.detail.state.x.y.z", EC2_EVENT, MISSING),
    # Names that need brackets, odd names, falsy values that still exist.
    ("$.detail['key with.dots']", ORDER, "dotted"),
    ("$.detail['a-b'].c_d['e/f']", ORDER, 7),
    ("$.detail.a-b.c_d.e/f", ORDER, 7),
    (r"$.detail['quote\'d']", ORDER, "single"),
    (r'$.detail["dq\"d"]', ORDER, "double"),
    (r"$.detail['back\\slash']", ORDER, "backslash"),
    ("$.detail['']", ORDER, "empty name"),
    ("$.detail.ünï", ORDER, "unicode"),
    ("$.detail['0']", ORDER, "string zero"),
    ("$.detail[0]", ORDER, MISSING),
    ("$.detail.flag", ORDER, False),
    ("$.detail.nothing", ORDER, None),
    ("$.detail.nothing.x", ORDER, MISSING),
    ("$.list[0][1]", ORDER, 2),
    ("$.list[-1][-1]", ORDER, 3),
    ("$.list[1][1]", ORDER, MISSING),
    # Wildcards: always a list, skipping branches that lack the rest of the path.
    ("$.detail.items[*].sku", ORDER, ["A-1", "C-3"]),
    ("$.detail.items[*].qty", ORDER, [2, 1, None]),
    ("$.detail.items.*.sku", ORDER, ["A-1", "C-3"]),
    ("$.detail.items[*].price", ORDER, []),
    ("$.nope[*]", ORDER, []),
    ("$.list[*][0]", ORDER, [1, 3]),
    ("$.list[*][*]", ORDER, [1, 2, 3]),
    ("$.detail.a-b.*", ORDER, [{"e/f": 7}]),
    ("$.detail.flag.*", ORDER, []),
    ("$.detail.items[*]", ORDER, ORDER["detail"]["items"]),
    ("$.resources[*]", EC2_EVENT, EC2_EVENT["resources"]),
    ("$.detail[*]", EC2_EVENT, ["i-0123456789", "RUNNING"]),
]


@pytest.mark.parametrize(("text", "document", "expected"), SELECTS)
def test_select(text: str, document: dict[str, Any], expected: object) -> None:
    assert compile_path(text).select(document) == expected


def test_select_returns_the_documents_own_objects() -> None:
    assert compile_path("$.detail").select(EC2_EVENT) is EC2_EVENT["detail"]
    assert compile_path("$").select(EC2_EVENT) is EC2_EVENT


def test_select_on_non_json_roots() -> None:
    assert compile_path("$").select("text") == "text"
    assert compile_path("$.a").select("text") is MISSING
    assert compile_path("$[0]").select("text") is MISSING  # strings are not arrays
    assert compile_path("$[0]").select((5, 6)) == 5
    assert compile_path("$[*]").select(None) == []
    assert compile_path("$.a").select(None) is MISSING


def test_missing_sentinel_is_distinct_from_null() -> None:
    assert MISSING is not None
    assert repr(MISSING) == "MISSING"
    assert repr(WILDCARD) == "WILDCARD"


# --- hostile input ----------------------------------------------------------------------------


def test_deep_document_and_long_path() -> None:
    depth = 20_000
    document: dict[str, Any] = {}
    node = document
    for _ in range(depth - 1):
        child: dict[str, Any] = {}
        node["a"] = child
        node = child
    node["a"] = "bottom"
    path = compile_path("$" + ".a" * depth)
    assert len(path.steps) == depth
    assert path.select(document) == "bottom"
    assert compile_path("$" + ".a" * (depth + 1)).select(document) is MISSING
    assert compile_path("$" + ".*" * depth).select(document) == ["bottom"]


def test_huge_index_is_out_of_range_not_an_error() -> None:
    path = compile_path("$.a[" + "9" * 200 + "]")
    assert path.select({"a": [1]}) is MISSING
    assert compile_path("$.a[-" + "9" * 200 + "]").select({"a": [1]}) is MISSING


def test_unicode_names_in_brackets_and_dots() -> None:
    document = {"日本": {"😀 face": 1, "עברית": 2}}
    assert compile_path("$.日本['😀 face']").select(document) == 1
    assert compile_path("$.日本.עברית").select(document) == 2
    with pytest.raises(ValidationException) as caught:
        compile_path("$.😀")
    assert str(caught.value) == (
        "Invalid JSONPath '$.😀' at character 2: '😀' is not allowed in a dotted name; "
        "use ['...'] instead."
    )
