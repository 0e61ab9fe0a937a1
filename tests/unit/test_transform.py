"""Target input: validation as PutTargets does it, and the exact text a target receives.

Sources of the expected outputs:
[guide] https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
        ("Input transform examples", "Predefined variables", "Common issues").
[api]   https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
[rec]   outputs recorded against real AWS by LocalStack's AWS-validated tests,
        tests/aws/services/events/test_events_inputs.snapshot.json (localstack/localstack).
Every other expectation pins a choice documented in orderflow.eventbus.transform.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from orderflow.eventbus.errors import AwsError, ValidationException
from orderflow.eventbus.transform import (
    MAX_INPUT_LENGTH,
    MAX_INPUT_PATHS,
    MAX_INPUT_TEMPLATE_LENGTH,
    RESERVED_VARIABLES,
    InputKind,
    InputTransformer,
    TargetInput,
    render,
    target_input,
)

RULE_ARN = "arn:aws:events:us-east-2:123456789012:rule/example"
RULE_NAME = "example"
INGESTION_TIME = "2015-11-11T21:29:55Z"

# [guide]'s example EC2 event, in the order the guide prints it.
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
EC2_EVENT_JSON = (
    '{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602",'
    '"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",'
    '"account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1",'
    '"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],'
    '"detail":{"instance-id":"i-0123456789","state":"RUNNING"}}'
)
# <aws.events.event>: no detail, detailType, AWS's member order ([rec]).
EC2_EVENT_VARIABLE = (
    '{"id":"7bf73129-1428-4cd3-a780-95db273d1602","account":"123456789012",'
    '"detailType":"EC2 Instance State-change Notification","time":"2015-11-11T21:29:54Z",'
    '"source":"aws.ec2","region":"us-east-1",'
    '"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],"version":"0"}'
)

# [guide]'s InputPathsMap, plus the variables the other tests use.
PATHS: dict[str, str] = {
    "timestamp": "$.time",
    "instance": "$.detail.instance-id",
    "state": "$.detail.state",
    "resource": "$.resources[0]",
    "status": "$.detail.state",
    "detail": "$.detail",
    "resources": "$.resources",
    "missing": "$.detail.not-in-event",
    "missing_deep": "$.nope.nope[3]",
}


def transformed(template: str, event: dict[str, Any] | None = None, **paths: str) -> str:
    """Render ``template`` with PATHS (plus ``paths``) for ``event`` (the EC2 event by default)."""
    chosen = target_input("t1", input_transformer=InputTransformer({**PATHS, **paths}, template))
    return render(
        chosen,
        EC2_EVENT if event is None else event,
        rule_arn=RULE_ARN,
        rule_name=RULE_NAME,
        ingestion_time=INGESTION_TIME,
    )


def rendered(chosen: TargetInput, event: dict[str, Any] | None = None) -> str:
    return render(
        chosen,
        EC2_EVENT if event is None else event,
        rule_arn=RULE_ARN,
        rule_name=RULE_NAME,
        ingestion_time=INGESTION_TIME,
    )


def rejected(**kwargs: Any) -> str:
    """The message ``target_input("t1", **kwargs)`` fails with."""
    with pytest.raises(ValidationException) as caught:
        target_input("t1", **kwargs)
    assert caught.value.code == "ValidationException"
    assert isinstance(caught.value, AwsError)
    return str(caught.value)


# --- [guide] "Input transform examples", template -> output, verbatim -------------------------

GUIDE_EXAMPLES: list[tuple[str, str, str]] = [
    (
        "simple string",
        '"instance <instance> is in <state>"',
        '"instance i-0123456789 is in RUNNING"',
    ),
    (
        "string with escaped quotes (console form)",
        r'"instance \"<instance>\" is in <state>"',
        r'"instance \"i-0123456789\" is in RUNNING"',
    ),
    (
        "simple JSON",
        '{\n  "instance" : <instance>,\n  "state": <state>\n}',
        '{\n  "instance" : "i-0123456789",\n  "state": "RUNNING"\n}',
    ),
    (
        "JSON with strings and variables",
        '{\n "instance" : <instance>,\n "state": "<state>",\n'
        ' "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}',
        '{\n "instance" : "i-0123456789",\n "state": "RUNNING",\n'
        ' "instanceStatus": "instance \\"i-0123456789\\" is in RUNNING"\n}',
    ),
    (
        "JSON with a mix of variables and static information",
        '{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n'
        '  "Transformed" : "Yes"\n}\n',
        '{\n  "instance" : "i-0123456789",\n  "state": [ 9, "RUNNING", true ],\n'
        '  "Transformed" : "Yes"\n}\n',
    ),
    (
        "including reserved variables in JSON",
        '{\n  "instance" : <instance>,\n  "state": <state>,\n'
        '  "ruleArn" : <aws.events.rule-arn>,\n  "ruleName" : <aws.events.rule-name>,\n'
        '  "originalEvent" : <aws.events.event>\n}',
        '{\n  "instance" : "i-0123456789",\n  "state": "RUNNING",\n'
        f'  "ruleArn" : "{RULE_ARN}",\n  "ruleName" : "example",\n'
        f'  "originalEvent" : {EC2_EVENT_VARIABLE}\n}}',
    ),
    (
        "including reserved variables in a string",
        '"<aws.events.rule-name> triggered"',
        '"example triggered"',
    ),
    (
        "a resource by array index ($.resources[0])",
        '{"resource": <resource>}',
        '{"resource": "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"}',
    ),
    (
        "object in a string loses its quotes (Common issues)",
        '{"note": "Detail is <detail>"}',
        '{"note": "Detail is {instance-id:i-0123456789,state:RUNNING}"}',
    ),
    (
        "object as a JSON value keeps them (Common issues)",
        '{"detail": <detail>}',
        '{"detail": {"instance-id":"i-0123456789","state":"RUNNING"}}',
    ),
    (
        "quotes around a string variable are permitted (Common issues)",
        '{"state": "<state>", "also": <state>}',
        '{"state": "RUNNING", "also": "RUNNING"}',
    ),
    (
        "aws.events.event.json is the whole event",
        '{"originalEvent" : <aws.events.event.json>}',
        f'{{"originalEvent" : {EC2_EVENT_JSON}}}',
    ),
]


@pytest.mark.parametrize(
    ("template", "expected"),
    [(template, expected) for _, template, expected in GUIDE_EXAMPLES],
    ids=[name for name, _, _ in GUIDE_EXAMPLES],
)
def test_guide_examples(template: str, expected: str) -> None:
    assert transformed(template) == expected


# --- [api] InputTransformer examples ---------------------------------------------------------

API_EXAMPLES: list[tuple[str, str]] = [
    # A text template (not JSON): values go in as text.
    ("<instance> is in state <status>", "i-0123456789 is in state RUNNING"),
    ('<instance> is in state "<status>"', 'i-0123456789 is in state "RUNNING"'),
    (
        '{"myInstance": <instance>,"myStatus": "<instance> is in state \\"<status>\\""}',
        '{"myInstance": "i-0123456789","myStatus": "i-0123456789 is in state \\"RUNNING\\""}',
    ),
]


@pytest.mark.parametrize(("template", "expected"), API_EXAMPLES)
def test_api_reference_examples(template: str, expected: str) -> None:
    assert transformed(template) == expected


# --- [rec] outputs recorded on AWS ------------------------------------------------------------

REC_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "d1b8e3b2-0000-4000-8000-000000000001",
    "detail-type": "core.update-account-command",
    "source": "core.update-account-command",
    "account": "111111111111",
    "time": "2024-06-11T08:33:10Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}},
}
REC_PATHS = {"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command"}
REC_MISSING = {**REC_PATHS, "command": "$.detail.notinmessage"}
REC_STRING = (
    '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"'
)
REC_JSON = '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}'

REC_CASES: list[tuple[dict[str, str], str, str]] = [
    (
        REC_PATHS,
        REC_STRING,
        '"Event of core.update-account-command type, at time 2024-06-11T08:33:10Z, '
        'info extracted from detail update-account"',
    ),
    (
        REC_MISSING,
        REC_STRING,
        '"Event of core.update-account-command type, at time 2024-06-11T08:33:10Z, '
        'info extracted from detail "',
    ),
    (
        REC_PATHS,
        REC_JSON,
        '{"detailType": "core.update-account-command",  "time": "2024-06-11T08:33:10Z", '
        '"command": "update-account"}',
    ),
    (
        REC_MISSING,
        REC_JSON,
        '{"detailType": "core.update-account-command",  "time": "2024-06-11T08:33:10Z", '
        '"command": ""}',
    ),
    (
        {},
        '"Message containing all pre defined variables <aws.events.rule-arn> '
        '<aws.events.rule-name> <aws.events.event.ingestion-time>"',
        f'"Message containing all pre defined variables {RULE_ARN} example {INGESTION_TIME}"',
    ),
    (
        REC_PATHS,
        '"{[/Check with special starting characters for event of <detail-type> type"',
        '"{[/Check with special starting characters for event of core.update-account-command type"',
    ),
    (
        {},
        '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}',
        '{"originalEvent": {"id":"d1b8e3b2-0000-4000-8000-000000000001",'
        '"account":"111111111111","detailType":"core.update-account-command",'
        '"time":"2024-06-11T08:33:10Z","source":"core.update-account-command",'
        '"region":"us-east-1","resources":[],"version":"0"}, "originalEventJson": '
        '{"version":"0","id":"d1b8e3b2-0000-4000-8000-000000000001",'
        '"detail-type":"core.update-account-command","source":"core.update-account-command",'
        '"account":"111111111111","time":"2024-06-11T08:33:10Z","region":"us-east-1",'
        '"resources":[],"detail":{"command":"update-account",'
        '"payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"}}}}',
    ),
]


@pytest.mark.parametrize(("paths", "template", "expected"), REC_CASES)
def test_recorded_on_aws(paths: dict[str, str], template: str, expected: str) -> None:
    chosen = target_input("t1", input_transformer=InputTransformer(paths, template))
    assert rendered(chosen, REC_EVENT) == expected


@pytest.mark.parametrize(
    ("input_path", "expected"),
    [
        # [rec] InputPath recordings: the selection's JSON is the message body.
        (
            "$.detail",
            '{"command":"update-account","payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"}}',
        ),
        ("$.detail.payload", '{"acc_id":"0a787ecb-4015","sf_id":"baz"}'),
        ("$.detail.payload.sf_id", '"baz"'),
        ("$.resources", "[]"),
        ("$", json.dumps(REC_EVENT, separators=(",", ":"))),
        ("$['detail-type']", '"core.update-account-command"'),
        ("$.detail.payload.*", '["0a787ecb-4015","baz"]'),
        # Our choice: a selection that does not exist renders as empty text.
        ("$.detail.nope", ""),
        ("$.detail.command[0]", ""),
    ],
)
def test_input_path(input_path: str, expected: str) -> None:
    assert rendered(target_input("t1", input_path=input_path), REC_EVENT) == expected


def test_default_is_the_whole_event_as_compact_json() -> None:
    chosen = target_input("t1")
    assert chosen.kind is InputKind.EVENT
    assert rendered(chosen) == EC2_EVENT_JSON


@pytest.mark.parametrize(
    "text",
    ['{"env":"dev"}', '  { "spaced" : [1, 2.50, "x"] }\n', '"just a string"', "42", "null", "[]"],
)
def test_input_is_delivered_verbatim(text: str) -> None:
    chosen = target_input("t1", input=text)
    assert chosen.kind is InputKind.INPUT
    assert rendered(chosen) == text


# --- placeholder filling rules ---------------------------------------------------------------

VALUES_EVENT: dict[str, Any] = {
    "detail": {
        "s": "plain",
        "quoted": 'say "hi"',
        "back": "a\\b",
        "newline": "line1\nline2",
        "tab_ctrl": "a\tb\u0001",
        "n": 3,
        "f": 2.50,
        "neg": -0.0,
        "big": 123456789012345678901234567890,
        "t": True,
        "nil": None,
        "empty": "",
        "obj": {"k": "v", "q": 'x"y', "n": [1, {"d": None}]},
        "arr": ["a", 1, None],
        "emptyobj": {},
        "emptyarr": [],
        "unicode": "naïve 😀 עברית \u2028",
        "angle": "<instance>",
    }
}
VALUE_PATHS = {name: f"$.detail.{name}" for name in VALUES_EVENT["detail"]} | {
    "missing": "$.detail.missing",
    "wild": "$.detail.arr[*]",
    "nowild": "$.detail.none[*].x",
}

# (template, expected); all use VALUES_EVENT.
FILLING: list[tuple[str, str]] = [
    # Outside strings in a JSON template: the value's compact JSON.
    (
        "[<s>,<n>,<f>,<neg>,<big>,<t>,<nil>,<empty>]",
        '["plain",3,2.5,-0.0,123456789012345678901234567890,true,null,""]',
    ),
    (
        "[<obj>,<arr>,<emptyobj>,<emptyarr>]",
        '[{"k":"v","q":"x\\"y","n":[1,{"d":null}]},["a",1,null],{},[]]',
    ),
    (
        "[<quoted>,<back>,<newline>,<tab_ctrl>]",
        '["say \\"hi\\"","a\\\\b","line1\\nline2","a\\tb\\u0001"]',
    ),
    ('{"u": <unicode>}', '{"u": "naïve 😀 עברית \u2028"}'),
    ("<s>", '"plain"'),
    ("<obj>", '{"k":"v","q":"x\\"y","n":[1,{"d":null}]}'),
    ("<missing>", '""'),
    ("[<wild>, <nowild>]", '[["a",1,null], []]'),
    # Inside strings: raw text, no escaping ([guide]: "doesn't escape values"): may be invalid JSON.
    ('"<s>|<n>|<f>|<t>|<nil>|<empty>|<missing>"', '"plain|3|2.5|true|null||"'),
    ('{"m": "<quoted>"}', '{"m": "say "hi""}'),
    ('{"m": "<back>"}', '{"m": "a\\b"}'),
    ('{"m": "<newline>"}', '{"m": "line1\nline2"}'),
    ('"<unicode>"', '"naïve 😀 עברית \u2028"'),
    # Objects and arrays inside strings lose every double quote, nested ones too.
    ('"<obj>"', '"{k:v,q:x\\y,n:[1,{d:null}]}"'),
    ('"<arr> / <emptyobj> / <emptyarr> / <wild>"', '"[a,1,null] / {} / [] / [a,1,null]"'),
    # A value that looks like a placeholder is never expanded again.
    ('"<angle>"', '"<instance>"'),
    ("[<angle>]", '["<instance>"]'),
    # The string state is tracked through escapes: \\ ends in a backslash, \" does not close.
    ('{"a": "x\\\\", "b": <s>}', '{"a": "x\\\\", "b": "plain"}'),
    ('{"a": "x\\"<s>\\"", "b": <n>}', '{"a": "x\\"plain\\"", "b": 3}'),
    # Placeholders inside keys are inside strings.
    ('{"key-<s>": <n>}', '{"key-plain": 3}'),
    # Text templates: strings raw, everything else as JSON text, missing as nothing.
    ("value: <s>, <n>, <nil>, <missing>.", "value: plain, 3, null, ."),
    ("obj=<obj> arr=<arr>", 'obj={"k":"v","q":"x\\"y","n":[1,{"d":null}]} arr=["a",1,null]'),
    ('it\'s "<obj>" here', 'it\'s "{k:v,q:x\\y,n:[1,{d:null}]}" here'),
    ("<s> <quoted>", 'plain say "hi"'),
    # Not JSON although it starts with '{': rendered as text (our choice).
    ('{"a": <s>,}', '{"a": plain,}'),
    ("{<s>: 1}", "{plain: 1}"),
    # The same variable in several places, inside and outside strings.
    (
        '{"a": <s>, "b": "<s>", "c": [<s>, "<s><s>"]}',
        '{"a": "plain", "b": "plain", "c": ["plain", "plainplain"]}',
    ),
]


@pytest.mark.parametrize(("template", "expected"), FILLING)
def test_filling(template: str, expected: str) -> None:
    chosen = target_input("t1", input_transformer=InputTransformer(VALUE_PATHS, template))
    assert rendered(chosen, VALUES_EVENT) == expected


def test_json_template_output_parses_when_values_are_plain() -> None:
    template = '{"a": <obj>, "b": <arr>, "c": <quoted>, "d": "<s> <n>", "e": <missing>}'
    chosen = target_input("t1", input_transformer=InputTransformer(VALUE_PATHS, template))
    assert json.loads(rendered(chosen, VALUES_EVENT)) == {
        "a": VALUES_EVENT["detail"]["obj"],
        "b": VALUES_EVENT["detail"]["arr"],
        "c": 'say "hi"',
        "d": "plain 3",
        "e": "",
    }


# --- reserved variables -----------------------------------------------------------------------


def test_event_variable_reorders_renames_and_keeps_extra_members() -> None:
    replayed = {
        "detail": {"x": 1},
        "replay-name": "replay-1",
        "region": "eu-west-1",
        "detail-type": "T",
        "custom": [1],
        "id": "e1",
    }
    assert transformed("<aws.events.event>", replayed) == (
        '{"id":"e1","detailType":"T","region":"eu-west-1","replay-name":"replay-1","custom":[1]}'
    )


def test_event_variable_of_an_event_with_only_detail() -> None:
    assert transformed("<aws.events.event>", {"detail": {"a": 1}}) == "{}"
    assert transformed('"<aws.events.event>"', {"detail": {"a": 1}}) == '"{}"'


def test_event_variables_inside_strings_lose_their_quotes() -> None:
    assert transformed('"<aws.events.event>"', {"id": "e1", "detail": {}}) == '"{id:e1}"'
    assert transformed('"<aws.events.event.json>"', {"id": "e1", "detail": {"a": "b"}}) == (
        '"{id:e1,detail:{a:b}}"'
    )


def test_reserved_string_variables_in_each_position() -> None:
    assert (
        transformed(
            "[<aws.events.rule-arn>, <aws.events.rule-name>, <aws.events.event.ingestion-time>]"
        )
        == f'["{RULE_ARN}", "example", "{INGESTION_TIME}"]'
    )
    assert transformed("<aws.events.rule-name> at <aws.events.event.ingestion-time>") == (
        f"example at {INGESTION_TIME}"
    )


def test_reserved_variables_need_no_paths_map() -> None:
    chosen = target_input(
        "t1", input_transformer=InputTransformer({}, '{"rule": <aws.events.rule-name>}')
    )
    assert rendered(chosen) == '{"rule": "example"}'


def test_template_without_placeholders_is_delivered_as_is() -> None:
    assert transformed('{"static": true}') == '{"static": true}'
    assert transformed("plain words") == "plain words"


# --- validation: exclusivity ------------------------------------------------------------------

TRANSFORMER = InputTransformer({"s": "$.detail.state"}, '"<s>"')


@pytest.mark.parametrize(
    "kwargs",
    [
        {"input": "{}", "input_path": "$.detail"},
        {"input": "{}", "input_transformer": TRANSFORMER},
        {"input_path": "$.detail", "input_transformer": TRANSFORMER},
        {"input": "{}", "input_path": "$", "input_transformer": TRANSFORMER},
        {"input": "", "input_path": ""},
    ],
)
def test_only_one_input_kind(kwargs: dict[str, Any]) -> None:
    assert rejected(**kwargs) == (
        "Only one of Input, InputPath, or InputTransformer must be provided for target t1."
    )


def test_kind_of_each_choice() -> None:
    assert target_input("t").kind is InputKind.EVENT
    assert target_input("t", input="1").kind is InputKind.INPUT
    assert target_input("t", input_path="$").kind is InputKind.INPUT_PATH
    assert target_input("t", input_transformer=TRANSFORMER).kind is InputKind.INPUT_TRANSFORMER


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValidationException) as caught:
        TargetInput("t9", input="{}", input_path="$")
    assert str(caught.value) == (
        "Only one of Input, InputPath, or InputTransformer must be provided for target t9."
    )
    assert TargetInput("t9", input_path="$.a") == target_input("t9", input_path="$.a")


# --- validation: Input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("env:dev", "unexpected character, expected a JSON value: line 1 column 1 (char 0)"),
        ("", "Input is a zero-length, empty document: line 1 column 1 (char 0)"),
        ("{'env':'dev'}", "unexpected character, expected a string key: line 1 column 2 (char 1)"),
        ("NaN", "unexpected character, expected a JSON value: line 1 column 1 (char 0)"),
        ('{"a": 1,}', "trailing comma is not allowed: line 1 column 8 (char 7)"),
        ('{"a": 1} x', "unexpected content after document: line 1 column 10 (char 9)"),
        ("[" * 1025 + "]" * 1025, "depth limit exceeded: line 1 column 1026 (char 1025)"),
    ],
)
def test_input_must_be_json(text: str, message: str) -> None:
    assert rejected(input=text) == f"JSON syntax error in input for target t1: {message}"


def test_input_length_limit() -> None:
    padded = " " * (MAX_INPUT_LENGTH - 2) + "{}"
    assert rendered(target_input("t1", input=padded)) == padded
    assert rejected(input=padded + " ") == (
        "1 validation error detected: Value at 'input' of target t1 failed to satisfy "
        "constraint: Member must have length less than or equal to 8192"
    )


def test_input_nesting_up_to_the_parser_limit_is_valid() -> None:
    deep = "[" * 1024 + "]" * 1024
    assert rendered(target_input("t1", input=deep)) == deep


# --- validation: InputPath --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "",
            "InputPath for target t1 is not valid. Invalid JSONPath '' at character 0: "
            "a JSONPath must start with '$'.",
        ),
        (
            "detail",
            "InputPath for target t1 is not valid. Invalid JSONPath 'detail' at character 0: "
            "a JSONPath must start with '$'.",
        ),
        (
            "$..detail",
            "InputPath for target t1 is not valid. Invalid JSONPath '$..detail' at character 2: "
            "recursive descent '..' is not supported.",
        ),
        (
            "$.detail[?(@.a)]",
            "InputPath for target t1 is not valid. Invalid JSONPath '$.detail[?(@.a)]' at "
            "character 9: expected an index, a quoted name or '*' inside '[...]' (filters, "
            "slices and script expressions are not supported).",
        ),
    ],
)
def test_input_path_must_be_valid(path: str, message: str) -> None:
    assert rejected(input_path=path) == message


def test_input_path_length_limit() -> None:
    longest = "$." + "a" * 254
    assert target_input("t1", input_path=longest).input_path == longest
    assert rejected(input_path=longest + "a") == (
        "1 validation error detected: Value at 'inputPath' of target t1 failed to satisfy "
        "constraint: Member must have length less than or equal to 256"
    )


# --- validation: InputTransformer -------------------------------------------------------------


def rejected_transformer(paths: dict[str, str], template: str) -> str:
    return rejected(input_transformer=InputTransformer(paths, template))


@pytest.mark.parametrize(
    ("template", "placeholder"),
    [
        # [rec]: AWS's wording for an undefined placeholder.
        ('"Event of <detail-type> type, with not defined key <notdefinedkey>"', "notdefinedkey"),
        ("<s> <t>", "t"),
        ('{"a": <S>}', "S"),  # names are case-sensitive
        ('"<$.detail>"', "$.detail"),  # EventBridge Pipes syntax is not a rule placeholder
        ('"<b>bold</b>"', "b"),
        ('"bold</b>"', "/b"),
        ("<aws.events.rule>", "aws.events.rule"),
        ("<aws.events.event.detail>", "aws.events.event.detail"),
        ("<a.b>", "a.b"),
        ("<<s>> <x>", "x"),
        ("<ü>", "ü"),
    ],
)
def test_unknown_placeholder(template: str, placeholder: str) -> None:
    paths = {"detail-type": "$.detail-type", "s": "$.detail.state"}
    assert rejected_transformer(paths, template) == (
        f"InputTemplate for target t1 contains invalid placeholder {placeholder}."
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # Not placeholders: whitespace, quotes or angle brackets inside, or nothing inside.
        ('"a < b > c and <s>"', '"a < b > c and RUNNING"'),
        ('"<> <s>"', '"<> RUNNING"'),
        ('"< s> <s >"', '"< s> <s >"'),
        ('"<<s>>"', '"<RUNNING>"'),
        ('"<s>>><<<s>"', '"RUNNING>><<RUNNING"'),
        ('"1 > 0 <s> 0 < 1"', '"1 > 0 RUNNING 0 < 1"'),
        (
            '{"html": "<a href=\\"x\\">link", "s": <s>}',
            '{"html": "<a href=\\"x\\">link", "s": "RUNNING"}',
        ),
    ],
)
def test_angle_brackets_that_are_not_placeholders(template: str, expected: str) -> None:
    chosen = target_input(
        "t1", input_transformer=InputTransformer({"s": "$.detail.state"}, template)
    )
    assert rendered(chosen) == expected


def test_template_length_limits() -> None:
    assert rejected_transformer({}, "") == (
        "1 validation error detected: Value at 'inputTransformer.inputTemplate' of target t1 "
        "failed to satisfy constraint: Member must have length greater than or equal to 1"
    )
    assert rejected_transformer({}, "x" * (MAX_INPUT_TEMPLATE_LENGTH + 1)) == (
        "1 validation error detected: Value at 'inputTransformer.inputTemplate' of target t1 "
        "failed to satisfy constraint: Member must have length less than or equal to 8192"
    )
    longest = '"' + "é" * (MAX_INPUT_TEMPLATE_LENGTH - 2) + '"'  # characters, not bytes
    assert transformed(longest) == longest


def test_paths_map_size_limit() -> None:
    hundred = {f"k{i}": "$.detail" for i in range(MAX_INPUT_PATHS)}
    assert target_input("t1", input_transformer=InputTransformer(hundred, '"x"')).kind is (
        InputKind.INPUT_TRANSFORMER
    )
    assert rejected_transformer({**hundred, "one-more": "$"}, '"x"') == (
        "1 validation error detected: Value at 'inputTransformer.inputPathsMap' of target t1 "
        "failed to satisfy constraint: Member must have length less than or equal to 100"
    )


@pytest.mark.parametrize(
    "key", [*sorted(RESERVED_VARIABLES), "aws.anything", "AWS.Events", "Aws.x", "aws."]
)
def test_reserved_keys(key: str) -> None:
    assert rejected_transformer({key: "$.detail"}, '"x"') == (
        f'InputPathsMap key {key} for target t1 is reserved: keys cannot start with "AWS." and '
        "cannot redefine the predefined aws.events variables."
    )


@pytest.mark.parametrize(
    ("key", "member"),
    [
        ("", "Member must have length greater than or equal to 1"),
        ("k" * 257, "Member must have length less than or equal to 256"),
        ("has space", r"Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+"),
        ("a.b", r"Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+"),
        ("ключ", r"Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+"),
        ("a>b", r"Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+"),
        ("awsevents", None),
        ("AWS-x_9", None),
        ("k" * 256, None),
    ],
)
def test_key_constraints(key: str, member: str | None) -> None:
    if member is None:
        chosen = target_input("t1", input_transformer=InputTransformer({key: "$.id"}, f"<{key}>"))
        assert rendered(chosen, {"id": "e1"}) == '"e1"'
        return
    assert rejected_transformer({key: "$.id"}, '"x"') == (
        "1 validation error detected: Value at 'inputTransformer.inputPathsMap' of target t1 "
        f"failed to satisfy constraint: Map keys must satisfy constraint: [{member}]"
    )


def test_paths_map_values() -> None:
    assert rejected_transformer({"a": "$." + "a" * 255}, '"x"') == (
        "1 validation error detected: Value at 'inputTransformer.inputPathsMap' of target t1 "
        "failed to satisfy constraint: Map values must satisfy constraint: "
        "[Member must have length less than or equal to 256]"
    )
    assert rejected_transformer({"ok": "$.a", "bad": "$.a..b"}, '"<ok>"') == (
        "InputPathsMap value for key bad of target t1 is not valid. Invalid JSONPath '$.a..b' "
        "at character 4: recursive descent '..' is not supported."
    )
    # Unused keys are still validated, and may be left unused.
    chosen = target_input("t1", input_transformer=InputTransformer({"unused": "$.x"}, '"y"'))
    assert rendered(chosen) == '"y"'


def test_validation_order_constraints_before_paths_before_placeholders() -> None:
    assert rejected_transformer({"a b": "$..x"}, "<nope>").startswith("1 validation error")
    assert rejected_transformer({"a": "$..x"}, "<nope>").startswith("InputPathsMap value")


# --- value semantics of the dataclasses -------------------------------------------------------


def test_input_transformer_copies_and_freezes_its_map() -> None:
    paths = {"s": "$.detail.state"}
    transformer = InputTransformer(paths, '"<s>"')
    paths["s"] = "$.nope"
    assert transformer.input_paths_map == {"s": "$.detail.state"}
    with pytest.raises(TypeError):
        transformer.input_paths_map["s"] = "$"  # type: ignore[index]
    reordered = InputTransformer({"b": "$.b", "a": "$.a"}, "t")
    assert reordered == InputTransformer({"a": "$.a", "b": "$.b"}, "t")
    assert hash(reordered) == hash(InputTransformer({"a": "$.a", "b": "$.b"}, "t"))


def test_target_inputs_compare_and_hash_by_their_choice() -> None:
    first = target_input("t1", input_transformer=InputTransformer({"s": "$.a"}, "<s>"))
    second = target_input("t1", input_transformer=InputTransformer({"s": "$.a"}, "<s>"))
    assert first == second
    assert hash(first) == hash(second)
    assert first != target_input("t2", input_transformer=InputTransformer({"s": "$.a"}, "<s>"))
    assert "_compiled" not in repr(first)


# --- hostile input ----------------------------------------------------------------------------


def test_template_of_the_maximum_size_full_of_placeholders() -> None:
    count = MAX_INPUT_TEMPLATE_LENGTH // 3
    template = "<s>" * count + "x" * (MAX_INPUT_TEMPLATE_LENGTH - 3 * count)
    assert len(template) == MAX_INPUT_TEMPLATE_LENGTH
    chosen = target_input("t1", input_transformer=InputTransformer({"s": "$.v"}, template))
    assert rendered(chosen, {"v": "ab"}) == "ab" * count + "xx"


def test_repeated_whole_event_variable() -> None:
    event = {"id": "e", "detail": {"blob": "z" * 10_000}}
    template = "[" + ",".join(["<aws.events.event.json>"] * 300) + "]"
    text = transformed(template, event)
    assert json.loads(text) == [event] * 300


def test_deeply_nested_event() -> None:
    depth = 50_000
    event: dict[str, Any] = {"id": "deep"}
    node = event
    for _ in range(depth):
        child: dict[str, Any] = {}
        node["detail"] = child
        node = child
    node["leaf"] = [[[]]]
    expected_detail = '{"detail":' * (depth - 1) + '{"leaf":[[[]]]}' + "}" * (depth - 1)
    assert rendered(target_input("t1"), event) == '{"id":"deep","detail":' + expected_detail + "}"
    assert rendered(target_input("t1", input_path="$.detail"), event) == expected_detail
    assert transformed("<aws.events.event>", event) == '{"id":"deep"}'
    inner = '"' + expected_detail.replace('"', "") + '"'
    assert transformed('"<detail>"', event, detail="$.detail") == inner


def test_deeply_nested_list_event() -> None:
    depth = 30_000
    event: dict[str, Any] = {"detail": {}}
    nested: list[Any] = []
    event["detail"]["x"] = nested
    for _ in range(depth):
        inner: list[Any] = []
        nested.append(inner)
        nested = inner
    assert rendered(target_input("t1", input_path="$.detail.x"), event) == (
        "[" * (depth + 1) + "]" * (depth + 1)
    )


@pytest.mark.parametrize(
    ("value", "in_json", "in_string"),
    [
        ("\u0000", '"\\u0000"', '"\u0000"'),
        ("e\u0301", '"e\u0301"', '"e\u0301"'),  # combining accent
        ("\u202eevil", '"\u202eevil"', '"\u202eevil"'),  # right-to-left override
        ("\ufeff", '"\ufeff"', '"\ufeff"'),
        ("\U0001d518\U0001d52b", '"\U0001d518\U0001d52b"', '"\U0001d518\U0001d52b"'),  # astral
        # Unpaired surrogates come out as \\u escapes so the text encodes as UTF-8.
        ("\ud800", '"\\ud800"', '"\\ud800"'),
        ("a\udfffb", '"a\\udfffb"', '"a\\udfffb"'),
    ],
)
def test_odd_unicode_values(value: str, in_json: str, in_string: str) -> None:
    event = {"detail": {"v": value}}
    assert transformed("<v>", event, v="$.detail.v") == in_json
    out = transformed('"<v>"', event, v="$.detail.v")
    assert out == in_string
    out.encode("utf-8")
    assert rendered(target_input("t1", input_path="$.detail.v"), event) == in_json


def test_unpaired_surrogates_in_the_template_and_keys_are_escaped() -> None:
    assert transformed('"\ud83d <state>"') == '"\\ud83d RUNNING"'
    event = {"detail": {"\udc00key": 1}}
    assert rendered(target_input("t1", input_path="$.detail"), event) == '{"\\udc00key":1}'


def test_non_finite_floats_and_tuples() -> None:
    event = {"detail": {"inf": float("inf"), "nan": float("nan"), "tup": (1, (2,)), "f": 1e-7}}
    assert rendered(target_input("t1", input_path="$.detail"), event) == (
        '{"inf":null,"nan":null,"tup":[1,[2]],"f":1e-07}'
    )


def test_non_json_values_are_a_programming_error() -> None:
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        rendered(target_input("t1", input_path="$.detail"), {"detail": {1, 2}})
    with pytest.raises(TypeError, match="JSON object keys must be str, not int"):
        rendered(target_input("t1", input_path="$.detail"), {"detail": {1: "a"}})


def test_placeholder_text_inside_values_and_paths_map_is_inert() -> None:
    event = {"detail": {"t": "<aws.events.rule-arn>", "<s>": "angle key"}}
    assert transformed('["<t>", <t>]', event, t="$.detail.t") == (
        '["<aws.events.rule-arn>", "<aws.events.rule-arn>"]'
    )
    assert transformed("<k>", event, k="$.detail['<s>']") == '"angle key"'
