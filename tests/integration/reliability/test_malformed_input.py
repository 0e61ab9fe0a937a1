"""Malformed input at every entry point: an AWS-style error that says what is wrong,
and nothing stored half-way (every table of the SQLite file compared before and after).

Entry points: PutEvents, PutRule / PutTargets / CreateArchive (event patterns, targets),
CreateQueue, SendMessage(Batch), ReceiveMessage, DeleteMessage, ChangeMessageVisibility,
StartMessageMoveTask, and the database file itself (corrupt, truncated, someone
else's, not a file, read-only).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pytest

from orderflow.bootstrap import open_engine
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.errors import (
    AwsError,
    InvalidEventPatternException,
    LimitExceededException,
    StoreError,
    ValidationException,
)
from orderflow.eventbus.queues.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidBatchEntryId,
    InvalidMessageContents,
    InvalidParameterValue,
    MissingParameter,
    QueueDoesNotExist,
    ReceiptHandleIsInvalid,
    ResourceNotFound,
    TooManyEntriesInBatchRequest,
)
from tests.integration.reliability.workers import opened, running, table_contents

EVERYTHING: Final = 10**9
GOOD: Final[Mapping[str, Any]] = {
    "Source": "shop.orders",
    "DetailType": "OrderPlaced",
    "Detail": '{"order": 1}',
}
LIMIT: Final = 262_144  # a queue's default MaximumMessageSize, and PutEvents' request limit
BATCH_LIMIT: Final = 1_048_576  # SendMessageBatch: all bodies together
COUNTERS: Final = ("metric_counters", "queue_sizes")
"""Tables of counts (``/metrics``) that an accepted entry or message changes."""


@dataclass(frozen=True)
class Shop:
    """An engine on a file that already holds queues, a rule, an archive and messages."""

    engine: Engine
    db: Path
    orders: str  # queue URL
    in_flight_handle: str  # receipt handle of a message received once


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    db = tmp_path / "orderflow.db"
    with opened(db) as engine:
        scope = engine.scope
        engine.sqs.create_queue("orders-dlq")
        policy = json.dumps(
            {"deadLetterTargetArn": scope.queue_arn("orders-dlq"), "maxReceiveCount": 5}
        )
        orders = engine.sqs.create_queue("orders", {"RedrivePolicy": policy})
        engine.events.put_rule("orders", json.dumps({"source": ["shop.orders"]}))
        engine.events.put_targets("orders", [{"Id": "orders", "Arn": scope.queue_arn("orders")}])
        engine.events.create_archive("everything", scope.bus_arn("default"))
        assert engine.events.put_events([GOOD, GOOD]).failed_entry_count == 0
        engine.sqs.send_message(orders, "a message")
        (received,) = engine.sqs.receive_message(orders, visibility_timeout=600)
        yield Shop(engine, db, orders, received.receipt_handle)


@contextlib.contextmanager
def unchanged(db: Path) -> Iterator[None]:
    """The block leaves every table of ``db`` exactly as it was, but for the counters of
    failures (``/metrics``: a refused PutEvents entry is counted as failed)."""
    before = effects(db)
    yield
    assert effects(db) == before


def effects(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """``table_contents`` without the metrics' failure counters."""
    tables = table_contents(db)
    counters = tables.get("metric_counters", [])
    tables["metric_counters"] = [row for row in counters if '"failed"' not in str(row[1])]
    return tables


def _only_new_events(shop: Shop, request: list[Mapping[str, Any]]) -> list[str | None]:
    """PutEvents ``request``; check that it added only its accepted events (to the queue the
    rule targets and to the archive), each once; its per-entry event ids."""
    before = table_contents(shop.db)
    result = shop.engine.events.put_events(request)
    after = table_contents(shop.db)
    accepted = [entry.event_id for entry in result.entries if entry.event_id is not None]
    for table in before:
        if table in COUNTERS:
            continue
        if table not in ("messages", "archived_events"):
            assert after[table] == before[table], table
        else:
            assert not Counter(before[table]) - Counter(after[table]), table
            assert len(after[table]) - len(before[table]) == len(accepted), table
    with shop.engine.store.reader() as tx:
        queued = [
            json.loads(m.body)["id"]
            for m in tx.oldest_messages("orders", EVERYTHING)
            if m.body.startswith("{")
        ]
    assert all(Counter(queued)[event_id] == 1 for event_id in accepted)
    return [entry.event_id for entry in result.entries]


# -- PutEvents ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        pytest.param([], "Member must have length greater than or equal to 1", id="no-entries"),
        pytest.param([GOOD] * 11, "Member must have length less than or equal to 10", id="11"),
        pytest.param(
            [{**GOOD, "Detail": json.dumps({"blob": "x" * LIMIT})}],
            "Total size of the entries in the request is over the limit.",
            id="one-entry-over-256KB",
        ),
        pytest.param(
            [GOOD, *[{**GOOD, "Detail": json.dumps({"blob": "x" * (LIMIT // 3)})}] * 3],
            "Total size of the entries in the request is over the limit.",
            id="request-over-256KB",
        ),
    ],
)
def test_a_put_events_request_aws_refuses_stores_nothing(
    shop: Shop, entries: list[Mapping[str, Any]], message: str
) -> None:
    with unchanged(shop.db), pytest.raises(ValidationException, match=message) as raised:
        shop.engine.events.put_events(entries)
    assert raised.value.code == "ValidationException"


BAD_ENTRIES: Final = [
    pytest.param({**GOOD, "Detail": "not json"}, "MalformedDetail", id="detail-not-json"),
    pytest.param({**GOOD, "Detail": '{"order": 1'}, "MalformedDetail", id="detail-truncated"),
    pytest.param({**GOOD, "Detail": "[1, 2]"}, "MalformedDetail", id="detail-array"),
    pytest.param({**GOOD, "Detail": '"text"'}, "MalformedDetail", id="detail-string"),
    pytest.param({**GOOD, "Detail": "null"}, "MalformedDetail", id="detail-null"),
    pytest.param({**GOOD, "Detail": '{"a": NaN}'}, "MalformedDetail", id="detail-nan"),
    pytest.param({**GOOD, "Detail": "[" * 100_000}, "MalformedDetail", id="detail-deep"),
    pytest.param(
        {**GOOD, "Detail": '{"note": "\\ud800"}'},
        "MalformedDetail",
        id="detail-escaped-lone-surrogate",
    ),
    pytest.param(
        {**GOOD, "Detail": '{"note": "\ud800"}'},
        "MalformedDetail",
        id="detail-lone-surrogate",
    ),
    pytest.param({**GOOD, "Detail": ""}, "InvalidArgument", id="detail-empty"),
    pytest.param({**GOOD, "Detail": {"order": 1}}, "InvalidArgument", id="detail-not-text"),
    pytest.param({"Source": "shop", "DetailType": "X"}, "InvalidArgument", id="no-detail"),
    pytest.param({"DetailType": "X", "Detail": "{}"}, "InvalidArgument", id="no-source"),
    pytest.param({**GOOD, "Source": ""}, "InvalidArgument", id="source-empty"),
    pytest.param({"Source": "shop", "Detail": "{}"}, "InvalidArgument", id="no-detail-type"),
    pytest.param(
        {**GOOD, "Source": "aws.orders"}, "NotAuthorizedForSourceException", id="aws-source"
    ),
    pytest.param({**GOOD, "Resources": "arn:x"}, "InvalidArgument", id="resources-not-list"),
    pytest.param({**GOOD, "Resources": [1]}, "InvalidArgument", id="resources-not-text"),
    pytest.param({**GOOD, "EventBusName": "no-such-bus"}, "ResourceNotFoundException", id="no-bus"),
    pytest.param({**GOOD, "Time": "yesterday"}, "InvalidArgument", id="time-not-a-time"),
    pytest.param(
        {**GOOD, "Time": datetime(2026, 1, 1)},  # noqa: DTZ001
        "InvalidArgument",
        id="time-naive",
    ),
]


@pytest.mark.parametrize(("entry", "code"), BAD_ENTRIES)
def test_a_malformed_entry_fails_alone_and_stores_nothing(
    shop: Shop, entry: Mapping[str, Any], code: str
) -> None:
    with unchanged(shop.db):
        result = shop.engine.events.put_events([entry])
    assert result.failed_entry_count == 1
    (outcome,) = result.entries
    assert outcome.event_id is None
    assert outcome.error_code == code
    assert outcome.error_message


@pytest.mark.parametrize(("entry", "code"), BAD_ENTRIES)
def test_the_good_entries_beside_a_malformed_one_are_stored_and_routed(
    shop: Shop, entry: Mapping[str, Any], code: str
) -> None:
    first, bad, last = _only_new_events(shop, [GOOD, entry, {**GOOD, "Detail": '{"order": 2}'}])
    assert first is not None and last is not None
    assert bad is None


# -- event patterns, rules, targets, archives -----------------------------------------

BAD_PATTERNS: Final = [
    pytest.param("not json", "Unexpected character", id="not-json"),
    pytest.param('{"source": ["a"]', "Unexpected end-of-input", id="truncated"),
    pytest.param("[]", "Filter is not an object", id="array"),
    pytest.param("{}", "Empty objects are not allowed", id="empty-object"),
    pytest.param('{"source": "shop"}', "must be an object or an array", id="bare-value"),
    pytest.param('{"source": []}', "Empty arrays are not allowed", id="empty-array"),
    pytest.param(
        '{"detail": {"n": [{"numeric": [">", "x"]}]}}', "must be numeric", id="numeric-text"
    ),
    pytest.param('{"source": [{"prefix": 5}]}', "must be a string", id="prefix-number"),
    pytest.param('{"source": [{"nope": "x"}]}', "Unrecognized match type nope", id="operator"),
    pytest.param('{"a": [{"exists": "yes"}]}', "either true or false", id="exists-text"),
    pytest.param('{"a": [{"wildcard": "**"}]}', "Consecutive wildcard", id="wildcard"),
]


@pytest.mark.parametrize(("pattern", "reason"), BAD_PATTERNS)
def test_an_invalid_event_pattern_is_refused_before_anything_is_stored(
    shop: Shop, pattern: str, reason: str
) -> None:
    events = shop.engine.events
    with unchanged(shop.db):
        with pytest.raises(InvalidEventPatternException, match=reason) as raised:
            events.put_rule("new-rule", pattern)
        assert str(raised.value).startswith("Event pattern is not valid. Reason: ")
        assert raised.value.code == "InvalidEventPatternException"
        with pytest.raises(InvalidEventPatternException, match=reason):
            events.put_rule("orders", pattern)  # replacing the existing rule's pattern
        with pytest.raises(InvalidEventPatternException, match=reason):
            events.create_archive(
                "new-archive", shop.engine.scope.bus_arn("default"), event_pattern=pattern
            )
    assert [rule["Name"] for rule in events.list_rules()] == ["orders"]
    assert json.loads(events.describe_rule("orders")["EventPattern"]) == {"source": ["shop.orders"]}


GOOD_TARGET: Final = {"Id": "first", "Arn": "arn:aws:sqs:us-east-1:000000000000:orders-dlq"}


def _target(**fields: Any) -> dict[str, Any]:
    return {"Id": "second", "Arn": "arn:aws:sqs:us-east-1:000000000000:orders-dlq", **fields}


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param(
            lambda e: e.events.put_rule("bad name!", '{"source": ["x"]}'),
            ValidationException,
            "Member must satisfy regular expression pattern",
            id="rule-name",
        ),
        pytest.param(
            lambda e: e.events.put_rule("r", '{"source": ["x"]}', state="ON"),
            ValidationException,
            "Member must satisfy enum value set",
            id="rule-state",
        ),
        pytest.param(
            lambda e: e.events.put_rule("r", None),
            ValidationException,
            "EventPattern or ScheduleExpression must be specified",
            id="rule-no-pattern",
        ),
        pytest.param(
            lambda e: e.events.put_rule("r", '{"source": ["x"]}', event_bus_name="nope"),
            AwsError,
            "Event bus nope does not exist",
            id="rule-no-bus",
        ),
        pytest.param(
            lambda e: e.events.put_targets("orders", [GOOD_TARGET, _target(Id="bad id!")]),
            ValidationException,
            "regular expression pattern",
            id="target-id",
        ),
        pytest.param(
            lambda e: e.events.put_targets("orders", [GOOD_TARGET, _target(Arn="")]),
            ValidationException,
            "Parameter Arn is not valid",
            id="target-arn",
        ),
        pytest.param(
            lambda e: e.events.put_targets(
                "orders", [GOOD_TARGET, _target(RetryPolicy={"MaximumRetryAttempts": 186})]
            ),
            ValidationException,
            "less than or equal to 185",
            id="target-retries",
        ),
        pytest.param(
            lambda e: e.events.put_targets(
                "orders", [GOOD_TARGET, _target(RetryPolicy={"MaximumEventAgeInSeconds": 59})]
            ),
            ValidationException,
            "greater than or equal to 60",
            id="target-event-age",
        ),
        pytest.param(
            lambda e: e.events.put_targets(
                "orders",
                [GOOD_TARGET, _target(DeadLetterConfig={"Arn": "arn:aws:sns:us-east-1:1:t"})],
            ),
            ValidationException,
            "DeadLetterConfig.Arn is not valid",
            id="target-dlq",
        ),
        pytest.param(
            lambda e: e.events.put_targets("orders", [GOOD_TARGET, _target(Input="{nope")]),
            ValidationException,
            "JSON syntax error in input for target second",
            id="target-input",
        ),
        pytest.param(
            lambda e: e.events.put_targets(
                "orders",
                [
                    GOOD_TARGET,
                    _target(
                        InputTransformer={
                            "InputPathsMap": {"order": "$.detail.order"},
                            "InputTemplate": '{"o": <missing>}',
                        }
                    ),
                ],
            ),
            ValidationException,
            "missing",
            id="target-template",
        ),
        pytest.param(
            lambda e: e.events.put_targets(
                "orders", [_target(Id=f"t{n}", Arn=_queue_arn(n)) for n in range(5)]
            ),
            LimitExceededException,
            "exceeds the maximum number allowed",
            id="six-targets",
        ),
        pytest.param(
            lambda e: e.events.put_targets("orders", []),
            ValidationException,
            "Member must have length between 1 and 10",
            id="no-targets",
        ),
        pytest.param(
            lambda e: e.events.put_targets("no-such-rule", [GOOD_TARGET]),
            AwsError,
            "Rule no-such-rule does not exist",
            id="targets-no-rule",
        ),
    ],
)
def test_a_bad_rule_or_target_request_stores_none_of_it(
    shop: Shop, call: Callable[[Engine], object], error: type[Exception], message: str
) -> None:
    with unchanged(shop.db), pytest.raises(error, match=message):
        call(shop.engine)


def _queue_arn(n: int) -> str:
    return f"arn:aws:sqs:us-east-1:000000000000:q{n}"


# -- queues and messages --------------------------------------------------------------


def _attributes(count: int) -> dict[str, Any]:
    return {f"a{n}": {"DataType": "String", "StringValue": "v"} for n in range(count)}


BAD_MESSAGES: Final = [
    pytest.param("", {}, MissingParameter, "must contain the parameter MessageBody", id="empty"),
    pytest.param(None, {}, MissingParameter, "MessageBody", id="none"),
    pytest.param("a\x00b", {}, InvalidMessageContents, "Invalid characters", id="nul"),
    pytest.param("\x1b[31m", {}, InvalidMessageContents, "Invalid characters", id="escape"),
    pytest.param("\ud800", {}, InvalidMessageContents, "Invalid characters", id="surrogate"),
    pytest.param("\ufffe", {}, InvalidMessageContents, "Invalid characters", id="ufffe"),
    pytest.param(
        "x" * (LIMIT + 1),
        {},
        InvalidParameterValue,
        f"Message must be shorter than {LIMIT} bytes",
        id="too-large",
    ),
    pytest.param(
        "é" * (LIMIT // 2 + 1),
        {},
        InvalidParameterValue,
        "Message must be shorter",
        id="too-large-in-utf8",
    ),
    pytest.param(
        "x" * (LIMIT - 10),
        {"message_attributes": {"big": {"DataType": "String", "StringValue": "y" * 20}}},
        InvalidParameterValue,
        "Message must be shorter",
        id="too-large-with-attributes",
    ),
    pytest.param("ok", {"delay_seconds": 901}, InvalidParameterValue, "DelaySeconds", id="delay"),
    pytest.param("ok", {"delay_seconds": -1}, InvalidParameterValue, "DelaySeconds", id="delay-"),
    pytest.param(
        "ok",
        {"message_attributes": _attributes(11)},
        InvalidParameterValue,
        "exceeds the allowed maximum",
        id="11-attributes",
    ),
    pytest.param(
        "ok",
        {"message_attributes": {"AWS.trace": {"DataType": "String", "StringValue": "x"}}},
        InvalidParameterValue,
        "is invalid",
        id="reserved-name",
    ),
    pytest.param(
        "ok",
        {"message_attributes": {"a..b": {"DataType": "String", "StringValue": "x"}}},
        InvalidParameterValue,
        "is invalid",
        id="bad-name",
    ),
    pytest.param(
        "ok",
        {"message_attributes": {"a": "plain"}},
        InvalidParameterValue,
        "must be a map",
        id="not-a-map",
    ),
    pytest.param(
        "ok",
        {"message_attributes": {"a": {"DataType": "Text", "StringValue": "x"}}},
        InvalidParameterValue,
        "invalid message attribute type",
        id="bad-type",
    ),
    pytest.param(
        "ok",
        {"message_attributes": {"a": {"DataType": "String", "StringValue": ""}}},
        InvalidParameterValue,
        "must contain non-empty message attribute value",
        id="empty-value",
    ),
    pytest.param(
        "ok",
        {"message_attributes": {"n": {"DataType": "Number", "StringValue": "ten"}}},
        InvalidParameterValue,
        "to a number",
        id="not-a-number",
    ),
    pytest.param(
        "ok",
        {"message_attributes": {"b": {"DataType": "Binary"}}},
        InvalidParameterValue,
        "must use field 'Binary'",
        id="binary-without-value",
    ),
    pytest.param(
        "ok",
        {"message_attributes": {"s": {"DataType": "String", "StringValue": "\x00"}}},
        InvalidMessageContents,
        "Invalid characters found in the message attribute 's'",
        id="attribute-nul",
    ),
]


def _for_batches(parameter: Any) -> Any:
    """A BAD_MESSAGES case as a batch entry."""
    return parameter


@pytest.mark.parametrize(("body", "options", "error", "message"), BAD_MESSAGES)
def test_a_message_sqs_refuses_is_not_stored(
    shop: Shop, body: str | None, options: dict[str, Any], error: type[AwsError], message: str
) -> None:
    with unchanged(shop.db), pytest.raises(error, match=message) as raised:
        shop.engine.sqs.send_message(shop.orders, body, **options)
    assert raised.value.code == error.code


@pytest.mark.parametrize(
    ("body", "options", "error", "message"), [_for_batches(p) for p in BAD_MESSAGES]
)
def test_a_batch_entry_sqs_refuses_fails_alone_and_is_not_stored(
    shop: Shop, body: str | None, options: dict[str, Any], error: type[AwsError], message: str
) -> None:
    entries = [{"Id": "only", "MessageBody": body, **_batch_options(options)}]
    with unchanged(shop.db):
        result = shop.engine.sqs.send_message_batch(shop.orders, entries)
    assert result.successful == []
    (failure,) = result.failed
    assert (failure.id, failure.code, failure.sender_fault) == ("only", error.code, True)
    assert re.search(message, failure.message)


def _batch_options(options: dict[str, Any]) -> dict[str, Any]:
    names = {"delay_seconds": "DelaySeconds", "message_attributes": "MessageAttributes"}
    return {names[key]: value for key, value in options.items()}


def test_the_good_messages_of_a_batch_beside_a_bad_one_are_stored(shop: Shop) -> None:
    before = table_contents(shop.db)
    result = shop.engine.sqs.send_message_batch(
        shop.orders,
        [
            {"Id": "good-1", "MessageBody": "one"},
            {"Id": "bad", "MessageBody": "a\x00b"},
            {"Id": "good-2", "MessageBody": "two"},
        ],
    )
    assert [entry_id for entry_id, _ in result.successful] == ["good-1", "good-2"]
    assert [(f.id, f.code) for f in result.failed] == [("bad", "InvalidMessageContents")]
    after = table_contents(shop.db)
    counted = ("messages", *COUNTERS)
    assert {k: v for k, v in after.items() if k not in counted} == {
        k: v for k, v in before.items() if k not in counted
    }
    assert len(after["messages"]) == len(before["messages"]) + 2
    with shop.engine.store.reader() as tx:
        bodies = [m.body for m in tx.oldest_messages("orders", EVERYTHING)]
    assert bodies.count("one") == 1 and bodies.count("two") == 1
    assert "a\x00b" not in bodies


@pytest.mark.parametrize(
    ("entries", "error", "message"),
    [
        pytest.param([], EmptyBatchRequest, "at least one", id="empty"),
        pytest.param(
            [{"Id": f"m{n}", "MessageBody": "x"} for n in range(11)],
            TooManyEntriesInBatchRequest,
            "Maximum number of entries per request are 10",
            id="11",
        ),
        pytest.param(
            [{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}],
            BatchEntryIdsNotDistinct,
            "Id same repeated",
            id="same-ids",
        ),
        pytest.param(
            [{"Id": "ok", "MessageBody": "x"}, {"Id": "not ok", "MessageBody": "y"}],
            InvalidBatchEntryId,
            "batch entry id",
            id="bad-id",
        ),
        pytest.param(
            [{"Id": "ok", "MessageBody": "x"}, {"MessageBody": "y"}],
            InvalidBatchEntryId,
            "batch entry id",
            id="no-id",
        ),
        pytest.param(
            [{"Id": f"m{n}", "MessageBody": "x" * (BATCH_LIMIT // 9)} for n in range(10)],
            BatchRequestTooLong,
            f"Batch requests cannot be longer than {BATCH_LIMIT} bytes",
            id="too-long",
        ),
    ],
)
def test_a_batch_sqs_refuses_stores_none_of_its_messages(
    shop: Shop, entries: list[dict[str, Any]], error: type[AwsError], message: str
) -> None:
    with unchanged(shop.db), pytest.raises(error, match=message):
        shop.engine.sqs.send_message_batch(shop.orders, entries)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param(
            lambda s: s.engine.sqs.send_message("no-such-queue", "x"),
            QueueDoesNotExist,
            "The specified queue does not exist.",
            id="send-no-queue",
        ),
        pytest.param(
            lambda s: s.engine.sqs.receive_message(s.orders, max_messages=11),
            InvalidParameterValue,
            "MaxNumberOfMessages",
            id="receive-11",
        ),
        pytest.param(
            lambda s: s.engine.sqs.receive_message(s.orders, max_messages=0),
            InvalidParameterValue,
            "MaxNumberOfMessages",
            id="receive-0",
        ),
        pytest.param(
            lambda s: s.engine.sqs.receive_message(s.orders, visibility_timeout=43_201),
            InvalidParameterValue,
            "VisibilityTimeout",
            id="receive-visibility",
        ),
        pytest.param(
            lambda s: s.engine.sqs.receive_message(s.orders, wait_time_seconds=21),
            InvalidParameterValue,
            "WaitTimeSeconds",
            id="receive-wait",
        ),
        pytest.param(
            lambda s: s.engine.sqs.delete_message(s.orders, "garbage"),
            ReceiptHandleIsInvalid,
            "is not a valid receipt handle",
            id="delete-garbage-handle",
        ),
        pytest.param(
            lambda s: s.engine.sqs.delete_message("orders-dlq", s.in_flight_handle),
            ReceiptHandleIsInvalid,
            "is not a valid receipt handle",
            id="delete-handle-of-another-queue",
        ),
        pytest.param(
            lambda s: s.engine.sqs.change_message_visibility(s.orders, "garbage", 10),
            ReceiptHandleIsInvalid,
            "is not a valid receipt handle",
            id="visibility-garbage-handle",
        ),
        pytest.param(
            lambda s: s.engine.sqs.change_message_visibility(s.orders, s.in_flight_handle, -1),
            InvalidParameterValue,
            "VisibilityTimeout",
            id="visibility-negative",
        ),
        pytest.param(
            lambda s: s.engine.sqs.change_message_visibility("orders-dlq", s.in_flight_handle, 10),
            ReceiptHandleIsInvalid,
            "is not a valid receipt handle",
            id="visibility-handle-of-another-queue",
        ),
        pytest.param(
            lambda s: s.engine.sqs.create_queue("bad name"),
            InvalidParameterValue,
            "Can only include alphanumeric characters",
            id="queue-name",
        ),
        pytest.param(
            lambda s: s.engine.sqs.create_queue("new", {"VisibilityTimeout": "43201"}),
            InvalidAttributeValue,
            "VisibilityTimeout",
            id="queue-visibility",
        ),
        pytest.param(
            lambda s: s.engine.sqs.create_queue("new", {"MaximumMessageSize": "big"}),
            InvalidAttributeValue,
            "MaximumMessageSize",
            id="queue-size",
        ),
        pytest.param(
            lambda s: s.engine.sqs.create_queue("new", {"Colour": "blue"}),
            InvalidAttributeName,
            "Unknown Attribute Colour",
            id="queue-attribute",
        ),
        pytest.param(
            lambda s: s.engine.sqs.create_queue("new", {"RedrivePolicy": "{nope"}),
            AwsError,
            "RedrivePolicy",
            id="queue-redrive-json",
        ),
        pytest.param(
            lambda s: s.engine.sqs.create_queue(
                "new",
                {
                    "RedrivePolicy": json.dumps(
                        {
                            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:gone",
                            "maxReceiveCount": 3,
                        }
                    )
                },
            ),
            InvalidParameterValue,
            "Dead letter target does not exist",
            id="queue-redrive-missing-dlq",
        ),
        pytest.param(
            lambda s: s.engine.sqs.create_queue("orders", {"VisibilityTimeout": "5"}),
            AwsError,
            "already exists with the same name and a different value",
            id="queue-exists-differently",
        ),
        pytest.param(
            lambda s: s.engine.sqs.start_message_move_task("not an arn"),
            InvalidParameterValue,
            "SourceArn",
            id="move-bad-arn",
        ),
        pytest.param(
            lambda s: s.engine.sqs.start_message_move_task(s.engine.scope.queue_arn("orders")),
            InvalidParameterValue,
            "must be configured as a Dead Letter Queue",
            id="move-not-a-dlq",
        ),
        pytest.param(
            lambda s: s.engine.sqs.start_message_move_task(s.engine.scope.queue_arn("gone")),
            ResourceNotFound,
            "SourceArn parameter doesn't exist",
            id="move-no-queue",
        ),
    ],
)
def test_a_bad_queue_request_changes_nothing(
    shop: Shop, call: Callable[[Shop], object], error: type[AwsError], message: str
) -> None:
    with unchanged(shop.db), pytest.raises(error, match=message):
        call(shop)


def test_a_stale_receipt_handle_cannot_change_the_message(shop: Shop) -> None:
    sqs = shop.engine.sqs
    sqs.change_message_visibility(shop.orders, shop.in_flight_handle, 0)
    (again,) = [
        m
        for m in sqs.receive_message(shop.orders, max_messages=10, visibility_timeout=600)
        if m.body == "a message"
    ]
    with unchanged(shop.db):
        with pytest.raises(InvalidParameterValue, match="for parameter ReceiptHandle is invalid"):
            sqs.change_message_visibility(shop.orders, shop.in_flight_handle, 0)
        sqs.delete_message(shop.orders, shop.in_flight_handle)  # succeeds, deletes nothing
    sqs.delete_message(shop.orders, again.receipt_handle)


# -- the database file ------------------------------------------------------------------


def _orderflow_database(db: Path) -> None:
    with opened(db) as engine:
        url = engine.sqs.create_queue("orders")
        for n in range(200):
            engine.sqs.send_message(url, f"message {n} " + "x" * 1000)
    connection = sqlite3.connect(db)  # fold the WAL in, so the file alone holds everything
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _folder(path: Path) -> dict[str, bytes]:
    return {child.name: child.read_bytes() for child in sorted(path.iterdir())}


def _every_operation(db: Path) -> Iterator[tuple[str, Callable[[], object]]]:
    """Open the engine on ``db`` and yield each operation to try on it."""
    with opened(db) as engine:
        yield "ReceiveMessage", lambda: engine.sqs.receive_message("orders", max_messages=10)
        yield "SendMessage", lambda: engine.sqs.send_message("orders", "more")
        yield "GetQueueAttributes", lambda: engine.sqs.get_queue_attributes("orders")
        yield "PutEvents", lambda: engine.events.put_events([GOOD])


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(bytes(range(256)) * 32, id="binary"),
        pytest.param(b"order,amount\n1,20.5\n" * 300, id="text"),
        pytest.param(b"SQLite format 3\x00" + b"\xff" * 8176, id="sqlite-header-then-garbage"),
    ],
)
def test_a_file_that_is_not_a_database_gives_a_clear_error_and_is_left_alone(
    tmp_path: Path, content: bytes
) -> None:
    db = tmp_path / "orders.csv"
    db.write_bytes(content)
    with pytest.raises(StoreError, match="is not an orderflow database, or it is corrupt") as e:
        open_engine(db)
    assert str(db) in str(e.value)
    assert _folder(tmp_path) == {"orders.csv": content}


@pytest.mark.parametrize("damage", ["overwritten", "truncated"])
def test_a_corrupt_database_gives_a_clear_error_at_every_operation(
    tmp_path: Path, damage: str
) -> None:
    db = tmp_path / "orderflow.db"
    _orderflow_database(db)
    size = db.stat().st_size
    with db.open("r+b") as file:
        if damage == "overwritten":  # keep the header page, scribble over the rest
            file.seek(4096)
            file.write(b"\xa5\x5a" * ((size - 4096) // 2))
        else:
            file.truncate(size // 2)
    damaged = db.read_bytes()
    failures: dict[str, str] = {}
    try:
        for operation, call in _every_operation(db):
            with pytest.raises(StoreError) as raised:
                call()
            failures[operation] = str(raised.value)
    except StoreError as error:  # opening noticed already
        failures["open"] = str(error)
    assert "open" in failures or len(failures) == 4
    for operation, message in failures.items():
        assert "is not an orderflow database, or it is corrupt" in message, operation
    assert db.read_bytes() == damaged


def test_another_applications_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    connection = sqlite3.connect(db)
    try:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("CREATE TABLE queues (id INTEGER PRIMARY KEY, agent TEXT)")
        connection.execute("INSERT INTO customers (name) VALUES ('Ada')")
        connection.commit()
    finally:
        connection.close()
    before = table_contents(db)
    with pytest.raises(StoreError, match="not an orderflow database"), opened(db) as engine:
        engine.sqs.list_queues()
    assert table_contents(db) == before


def test_a_database_path_that_cannot_be_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    with pytest.raises(StoreError, match="Cannot create the folder for the database"):
        open_engine(tmp_path / "notes.txt" / "orderflow.db")
    with pytest.raises(StoreError, match="Cannot open the database"):
        open_engine(tmp_path)
    assert _folder(tmp_path) == {"notes.txt": b"a file, not a folder"}


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder every user can reach (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="orderflow-read-only-"))
    try:
        folder.chmod(0o755)
        for parent in folder.parents:
            if not parent.stat().st_mode & stat.S_IXOTH:
                pytest.skip(f"{parent} cannot be entered by other users")
        yield folder
    finally:
        for path in (folder, *folder.iterdir()):
            path.chmod(0o700)
        shutil.rmtree(folder)


@pytest.mark.parametrize(
    "folder_writable", [False, True], ids=["read-only-folder", "read-only-file"]
)
def test_a_read_only_database_gives_a_clear_error_and_stays_unchanged(
    shared_folder: Path, folder_writable: bool
) -> None:
    """The worker drops root's rights first (root writes through any permission)."""
    db = shared_folder / "orderflow.db"
    with opened(db) as engine:
        engine.sqs.send_message(engine.sqs.create_queue("orders"), "kept")
        engine.events.put_rule("orders", json.dumps({"source": ["orders"]}))
        arn = engine.scope.queue_arn("orders")
        engine.events.put_targets("orders", [{"Id": "orders", "Arn": arn}])
    before = table_contents(db)
    db.chmod(0o444)
    shared_folder.chmod(0o777 if folder_writable else 0o555)
    with running("read-only", db) as worker:
        worker.finish()
    whoami, *outcomes = [json.loads(line) for line in worker.lines]
    assert whoami["uid"] != 0
    assert outcomes, worker.stderr()
    for outcome in outcomes:
        if outcome["operation"] == "open" and outcome["error"] is None:
            continue
        where = (outcome["module"], outcome["error"])
        assert where == ("orderflow.eventbus.errors", "StoreError"), outcomes
        assert "is read-only" in outcome["message"], outcomes
        assert str(db) in outcome["message"]
    assert table_contents(db) == before
