"""EventBridge's behaviour on every store: buses, rules, targets, PutEvents, fan-out,
function targets with retries and DLQ, archives and replays.

Each test is a specification taken from the EventBridge documentation or
shared/conformance/SEMANTICS.md, run on the memory, SQLite and PostgreSQL stores.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from orderflow.eventbus.bus import FunctionDispatcher
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.errors import (
    InvalidEventPatternException,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)

ORDERS = "com.mycompany.orders"


def entry(detail: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "Source": ORDERS,
        "DetailType": "OrderCreated",
        "Detail": json.dumps(detail or {"order": {"orderId": "o-1", "totalAmount": 120}}),
    }
    made.update(overrides)
    return made


def route_to_queue(engine: Engine, rule: str, pattern: dict[str, Any], queue: str) -> None:
    engine.sqs.create_queue(queue)
    engine.events.put_rule(rule, json.dumps(pattern))
    engine.events.put_targets(rule, [{"Id": "q", "Arn": engine.scope.queue_arn(queue)}])


def bodies(engine: Engine, queue: str) -> list[Any]:
    received = engine.sqs.receive_message(queue, max_messages=10)
    return [json.loads(message.body) for message in received]


# -- PutEvents ---------------------------------------------------------------------------


def test_put_events_reports_each_entry_in_request_order(engine: Engine) -> None:
    result = engine.events.put_events(
        [
            entry(),
            entry(Detail="[1, 2]"),
            entry(Source=""),
            entry(DetailType=None),
            entry(Detail=None),
            entry(Detail="{not json"),
        ]
    ).as_aws()
    assert result["FailedEntryCount"] == 5
    assert set(result["Entries"][0]) == {"EventId"}
    assert result["Entries"][1:] == [
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument.",
        },
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": (
                "Parameter DetailType is not valid. Reason: DetailType is a required argument."
            ),
        },
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument.",
        },
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
    ]


def test_put_events_takes_one_to_ten_entries(engine: Engine) -> None:
    with pytest.raises(ValidationException, match="less than or equal to 10"):
        engine.events.put_events([entry()] * 11)
    with pytest.raises(ValidationException, match="greater than or equal to 1"):
        engine.events.put_events([])


def test_put_events_refuses_a_request_over_256_kb(engine: Engine) -> None:
    big = entry({"blob": "x" * 140_000})
    with pytest.raises(ValidationException) as caught:
        engine.events.put_events([big, big])
    assert str(caught.value) == "Total size of the entries in the request is over the limit."


def test_an_unknown_bus_fails_only_that_entry(engine: Engine) -> None:
    result = engine.events.put_events([entry(EventBusName="nope"), entry()]).as_aws()
    assert result["FailedEntryCount"] == 1
    assert result["Entries"][0] == {
        "ErrorCode": "ResourceNotFoundException",
        "ErrorMessage": "Event bus nope does not exist.",
    }


@pytest.mark.parametrize("time", [-1e20, 1e20, float("inf"), float("nan"), "99999-01-01T00:00:00Z"])
def test_a_time_no_event_can_carry_fails_only_that_entry(engine: Engine, time: Any) -> None:
    # [api] PutEvents: a failed entry has its ErrorCode, the others go through.
    route_to_queue(engine, "all", {"source": [ORDERS]}, "inbox")
    result = engine.events.put_events([entry(Time=time), entry(Time=0)]).as_aws()
    assert result["FailedEntryCount"] == 1
    assert result["Entries"][0] == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Parameter Time is not valid.",
    }
    assert [event["time"] for event in bodies(engine, "inbox")] == ["1970-01-01T00:00:00Z"]


def test_custom_events_may_not_claim_an_aws_source(engine: Engine) -> None:
    result = engine.events.put_events([entry(Source="aws.ec2")]).as_aws()
    assert result["Entries"][0]["ErrorCode"] == "NotAuthorizedForSourceException"


def test_the_delivered_event_has_the_eventbridge_envelope(engine: Engine) -> None:
    route_to_queue(engine, "all", {"source": [ORDERS]}, "inbox")
    result = engine.events.put_events(
        [entry(Resources=["arn:x"], Time="2026-03-04T05:06:07Z")]
    ).as_aws()
    (event,) = bodies(engine, "inbox")
    assert event == {
        "version": "0",
        "id": result["Entries"][0]["EventId"],
        "detail-type": "OrderCreated",
        "source": ORDERS,
        "account": engine.scope.account,
        "time": "2026-03-04T05:06:07Z",
        "region": engine.scope.region,
        "resources": ["arn:x"],
        "detail": {"order": {"orderId": "o-1", "totalAmount": 120}},
    }


def test_one_event_fans_out_to_every_matching_rule_and_target(engine: Engine) -> None:
    route_to_queue(engine, "inventory", {"detail-type": ["OrderCreated"]}, "inventory")
    route_to_queue(
        engine, "big", {"detail": {"order": {"totalAmount": [{"numeric": [">", 100]}]}}}, "big"
    )
    route_to_queue(engine, "cancelled", {"detail-type": ["OrderCancelled"]}, "cancelled")
    engine.sqs.create_queue("audit")
    engine.events.put_targets(
        "inventory", [{"Id": "audit", "Arn": engine.scope.queue_arn("audit")}]
    )
    engine.events.put_events([entry()])
    assert [len(bodies(engine, q)) for q in ("inventory", "big", "cancelled", "audit")] == [
        1,
        1,
        0,
        1,
    ]


def test_a_disabled_rule_routes_nothing_until_enabled(engine: Engine) -> None:
    route_to_queue(engine, "all", {"source": [ORDERS]}, "inbox")
    engine.events.disable_rule("all")
    engine.events.put_events([entry()])
    assert bodies(engine, "inbox") == []
    engine.events.enable_rule("all")
    engine.events.put_events([entry()])
    assert len(bodies(engine, "inbox")) == 1


def test_targets_receive_their_input_transformation(engine: Engine) -> None:
    engine.sqs.create_queue("shaped")
    engine.sqs.create_queue("constant")
    engine.events.put_rule("all", json.dumps({"source": [ORDERS]}))
    engine.events.put_targets(
        "all",
        [
            {
                "Id": "shaped",
                "Arn": engine.scope.queue_arn("shaped"),
                "InputTransformer": {
                    "InputPathsMap": {"id": "$.detail.order.orderId"},
                    "InputTemplate": '{"order": <id>, "rule": <aws.events.rule-name>}',
                },
            },
            {"Id": "constant", "Arn": engine.scope.queue_arn("constant"), "Input": '{"ping": 1}'},
        ],
    )
    engine.events.put_events([entry()])
    assert bodies(engine, "shaped") == [{"order": "o-1", "rule": "all"}]
    assert bodies(engine, "constant") == [{"ping": 1}]


# -- rules and targets ----------------------------------------------------------------------


def test_put_rule_validates_the_pattern_as_aws_does(engine: Engine) -> None:
    with pytest.raises(InvalidEventPatternException, match="Unrecognized match type EXISTS"):
        engine.events.put_rule("bad", '{"a": [{"EXISTS": true}]}')


def test_rule_errors_use_aws_wording(engine: Engine) -> None:
    with pytest.raises(ResourceNotFoundException) as caught:
        engine.events.describe_rule("missing")
    assert str(caught.value) == "Rule missing does not exist on EventBus default."
    with pytest.raises(
        ResourceNotFoundException, match=re.escape("Event bus nope does not exist.")
    ):
        engine.events.put_rule("r", '{"a": ["b"]}', event_bus_name="nope")
    with pytest.raises(ValidationException, match="regular expression pattern"):
        engine.events.put_rule("bad name", '{"a": ["b"]}')


def test_a_rule_with_targets_cannot_be_deleted(engine: Engine) -> None:
    route_to_queue(engine, "all", {"source": [ORDERS]}, "inbox")
    with pytest.raises(
        ValidationException, match=re.escape("Rule can't be deleted since it has targets.")
    ):
        engine.events.delete_rule("all")
    engine.events.remove_targets("all", ["q"])
    engine.events.delete_rule("all")
    assert engine.events.list_rules() == []


def test_a_target_lists_its_retry_policy_only_when_it_was_given(engine: Engine) -> None:
    # [api] ListTargetsByRule: RetryPolicy and DeadLetterConfig are optional members of a
    # Target; a target given neither is listed without them.
    engine.sqs.create_queue("inbox")
    engine.events.put_rule("all", json.dumps({"source": [ORDERS]}))
    arn = engine.scope.queue_arn("inbox")
    retry = {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600}
    engine.events.put_targets(
        "all", [{"Id": "plain", "Arn": arn}, {"Id": "retried", "Arn": arn, "RetryPolicy": retry}]
    )
    assert engine.events.list_targets_by_rule("all") == [
        {"Id": "plain", "Arn": arn},
        {"Id": "retried", "Arn": arn, "RetryPolicy": retry},
    ]


def test_a_rule_takes_at_most_five_targets(engine: Engine) -> None:
    engine.events.put_rule("all", json.dumps({"source": [ORDERS]}))
    targets = [{"Id": f"t{n}", "Arn": engine.scope.queue_arn(f"q{n}")} for n in range(5)]
    engine.events.put_targets("all", targets)
    with pytest.raises(LimitExceededException):
        engine.events.put_targets("all", [{"Id": "t6", "Arn": engine.scope.queue_arn("q6")}])
    assert len(engine.events.list_targets_by_rule("all")) == 5


def test_put_targets_rejects_two_input_choices(engine: Engine) -> None:
    engine.events.put_rule("all", json.dumps({"source": [ORDERS]}))
    with pytest.raises(ValidationException, match="Only one of Input, InputPath"):
        engine.events.put_targets(
            "all",
            [{"Id": "t", "Arn": engine.scope.queue_arn("q"), "Input": "{}", "InputPath": "$"}],
        )


def test_buses_are_created_listed_and_deleted(engine: Engine) -> None:
    arn = engine.events.create_event_bus("orders")
    assert arn == engine.scope.bus_arn("orders")
    with pytest.raises(
        ResourceAlreadyExistsException, match=re.escape("Event bus orders already exists.")
    ):
        engine.events.create_event_bus("orders")
    assert [bus["Name"] for bus in engine.events.list_event_buses()] == ["default", "orders"]
    engine.events.delete_event_bus("orders")
    with pytest.raises(ValidationException, match=re.escape("Cannot delete event bus default.")):
        engine.events.delete_event_bus("default")


def test_an_event_makes_one_bus_to_bus_hop_only(engine: Engine) -> None:
    engine.events.create_event_bus("second")
    engine.events.put_rule("forward", json.dumps({"source": [ORDERS]}))
    engine.events.put_targets("forward", [{"Id": "b", "Arn": engine.scope.bus_arn("second")}])
    engine.sqs.create_queue("on-second")
    engine.events.put_rule("keep", json.dumps({"source": [ORDERS]}), event_bus_name="second")
    engine.events.put_targets(
        "keep",
        [
            {"Id": "q", "Arn": engine.scope.queue_arn("on-second")},
            {"Id": "back", "Arn": engine.scope.bus_arn("default")},
        ],
        event_bus_name="second",
    )
    engine.events.put_events([entry()])
    assert len(bodies(engine, "on-second")) == 1  # and the way back was not taken


def test_a_missing_target_queue_sends_the_event_to_the_dlq_without_retries(
    engine: Engine,
) -> None:
    engine.sqs.create_queue("dlq")
    engine.events.put_rule("all", json.dumps({"source": [ORDERS]}))
    engine.events.put_targets(
        "all",
        [
            {
                "Id": "gone",
                "Arn": engine.scope.queue_arn("never-created"),
                "DeadLetterConfig": {"Arn": engine.scope.queue_arn("dlq")},
            }
        ],
    )
    event_id = engine.events.put_events([entry()]).entries[0].event_id
    (letter,) = engine.sqs.receive_message("dlq", message_attribute_names=["All"])
    assert json.loads(letter.body)["id"] == event_id
    attributes = {k: v["StringValue"] for k, v in letter.message_attributes.items()}
    assert attributes == {
        "RULE_ARN": engine.scope.rule_arn("default", "all"),
        "TARGET_ARN": engine.scope.queue_arn("never-created"),
        "ERROR_CODE": "NO_RESOURCE",
        "ERROR_MESSAGE": f"Queue {engine.scope.queue_arn('never-created')} does not exist.",
        "RETRY_ATTEMPTS": "0",
    }


def test_another_engine_on_the_same_store_routes_with_new_rules_at_once(
    engine: Engine, clock: ManualClock
) -> None:
    other = Engine(engine.store, clock)  # as another process would
    other.events.put_events([entry()])  # loads its routing tables (none yet)
    route_to_queue(engine, "all", {"source": [ORDERS]}, "inbox")
    other.events.put_events([entry()])
    assert len(bodies(engine, "inbox")) == 1


# -- function targets -------------------------------------------------------------------------


def test_a_failing_function_is_retried_then_dead_lettered_with_aws_attributes(
    engine: Engine, clock: ManualClock
) -> None:
    engine.sqs.create_queue("fn-dlq")
    engine.events.put_rule("all", json.dumps({"source": [ORDERS]}))
    engine.events.put_targets(
        "all",
        [
            {
                "Id": "f",
                "Arn": engine.scope.function_arn("charge"),
                "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
                "DeadLetterConfig": {"Arn": engine.scope.queue_arn("fn-dlq")},
            }
        ],
    )
    calls: list[Any] = []

    def charge(event: Any) -> None:
        calls.append(event)
        raise RuntimeError("card declined")

    dispatcher = FunctionDispatcher(engine.store, clock, {"charge": charge}, rng=random.Random(1))
    engine.events.put_events([entry()])
    for _ in range(10):
        dispatcher.run_once()
        clock.advance(seconds=600)
    assert len(calls) == 3  # the first call and MaximumRetryAttempts retries
    (letter,) = engine.sqs.receive_message("fn-dlq", message_attribute_names=["All"])
    attributes = {k: v["StringValue"] for k, v in letter.message_attributes.items()}
    assert attributes["ERROR_CODE"] == "FUNCTION_ERROR"
    assert attributes["ERROR_MESSAGE"] == "RuntimeError: card declined"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert json.loads(letter.body)["detail"] == calls[0]["detail"]


def test_retries_stop_at_the_maximum_event_age(engine: Engine, clock: ManualClock) -> None:
    engine.sqs.create_queue("fn-dlq")
    engine.events.put_rule("all", json.dumps({"source": [ORDERS]}))
    engine.events.put_targets(
        "all",
        [
            {
                "Id": "f",
                "Arn": engine.scope.function_arn("slow"),
                "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 60},
                "DeadLetterConfig": {"Arn": engine.scope.queue_arn("fn-dlq")},
            }
        ],
    )

    def slow(_: Any) -> None:
        raise TimeoutError("took too long")

    dispatcher = FunctionDispatcher(engine.store, clock, {"slow": slow}, rng=random.Random(2))
    engine.events.put_events([entry()])
    dispatcher.run_once()
    clock.advance(seconds=61)
    for _ in range(5):
        dispatcher.run_once()
        clock.advance(seconds=301)
    (letter,) = engine.sqs.receive_message("fn-dlq", message_attribute_names=["All"])
    condition = letter.message_attributes["EXHAUSTED_RETRY_CONDITION"]["StringValue"]
    assert condition == "MaximumEventAgeInSeconds"


def test_a_function_that_succeeds_is_called_once(engine: Engine, clock: ManualClock) -> None:
    engine.events.put_rule("all", json.dumps({"source": [ORDERS]}))
    engine.events.put_targets(
        "all",
        [
            {
                "Id": "f",
                "Arn": engine.scope.function_arn("ok"),
                "InputPath": "$.detail.order",
            }
        ],
    )
    seen: list[Any] = []
    dispatcher = FunctionDispatcher(engine.store, clock, {"ok": seen.append})
    engine.events.put_events([entry()])
    assert dispatcher.run_once().succeeded == 1
    assert dispatcher.run_once().succeeded == 0
    assert seen == [{"orderId": "o-1", "totalAmount": 120}]


# -- archives and replays ---------------------------------------------------------------------


def test_an_archive_keeps_matching_events_and_a_replay_sends_them_back(
    engine: Engine, clock: ManualClock
) -> None:
    route_to_queue(engine, "inventory", {"source": [ORDERS]}, "inventory")
    route_to_queue(engine, "other", {"source": [ORDERS]}, "other")
    engine.events.create_archive(
        "created",
        engine.scope.bus_arn("default"),
        event_pattern=json.dumps({"detail-type": ["OrderCreated"]}),
    )
    start = clock.now_ms() / 1000
    engine.events.put_events([entry(), entry(DetailType="OrderCancelled")])
    for queue in ("inventory", "other"):
        for message in engine.sqs.receive_message(queue, max_messages=10):
            engine.sqs.delete_message(queue, message.receipt_handle)
    assert engine.events.describe_archive("created")["EventCount"] == 1
    clock.advance(seconds=5)
    state = engine.events.start_replay(
        "again",
        engine.scope.archive_arn("created"),
        start,
        clock.now_ms() / 1000,
        engine.scope.bus_arn("default"),
        filter_arns=[engine.scope.rule_arn("default", "inventory")],
    )
    assert state["State"] == "COMPLETED"
    replayed = bodies(engine, "inventory")
    assert [event["replay-name"] for event in replayed] == ["again"]
    assert bodies(engine, "other") == []  # not in FilterArns
    assert engine.events.describe_archive("created")["EventCount"] == 1  # not re-archived
    with pytest.raises(ResourceAlreadyExistsException):
        engine.events.create_archive("created", engine.scope.bus_arn("default"))


def test_a_replay_may_not_cross_buses(engine: Engine, clock: ManualClock) -> None:
    engine.events.create_event_bus("second")
    engine.events.create_archive("all", engine.scope.bus_arn("default"))
    with pytest.raises(
        ValidationException, match=re.escape("Cross event bus replay is not permitted.")
    ):
        engine.events.start_replay(
            "r", engine.scope.archive_arn("all"), 0, 10, engine.scope.bus_arn("second")
        )


def test_an_archive_source_must_be_a_bus_arn(engine: Engine) -> None:
    """CreateArchive's EventSourceArn is an ARN: a bare bus name is refused, as AWS does."""
    with pytest.raises(
        ValidationException,
        match=re.escape(
            "1 validation error detected: Value 'default' at 'eventSourceArn' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            r"arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:.+\/.+"
        ),
    ):
        engine.events.create_archive("by-name", "default")
    assert engine.events.list_archives() == []
