"""Handlers that always fail: the event ends in a dead-letter queue after exactly the
configured number of tries, with what EventBridge and SQS record there, and re-driving
the DLQ brings it back.

- Queue target: a consumer process that receives and never deletes gets each message
  exactly ``maxReceiveCount`` times; then the queue's RedrivePolicy moves it to the DLQ;
  StartMessageMoveTask moves it back to the source queue.
- Function target: a function that always raises is called 1 + MaximumRetryAttempts
  times (backoff respected), then the event goes to the target's DLQ with RULE_ARN,
  TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS.
  In-process, on a manual clock, to jump over the backoff delays.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Final

import pytest

from orderflow.bootstrap import open_engine
from orderflow.eventbus.bus import FunctionDispatcher
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.engine import Engine
from tests.integration.reliability.workers import STARTUP_TIMEOUT_S, opened, running

MAX_RECEIVE_COUNT: Final = 3
VISIBILITY_S: Final = 1
EVERYTHING: Final = 10**9


def _orders_with_dlq(engine: Engine) -> tuple[str, str]:
    """Queue ``orders`` (maxReceiveCount 3 into ``orders-dlq``), fed by a rule."""
    scope = engine.scope
    dlq = engine.sqs.create_queue("orders-dlq")
    policy = {
        "deadLetterTargetArn": scope.queue_arn("orders-dlq"),
        "maxReceiveCount": MAX_RECEIVE_COUNT,
    }
    url = engine.sqs.create_queue("orders", {"RedrivePolicy": json.dumps(policy)})
    engine.events.put_rule("orders", json.dumps({"source": ["shop.orders"]}))
    engine.events.put_targets("orders", [{"Id": "orders", "Arn": scope.queue_arn("orders")}])
    return url, dlq


def test_a_message_no_consumer_can_handle_goes_to_the_dlq_after_max_receive_count(
    tmp_path: Path,
) -> None:
    db = tmp_path / "orderflow.db"
    with opened(db) as engine:
        url, dlq = _orders_with_dlq(engine)
        result = engine.events.put_events(
            [
                {"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": json.dumps(d)}
                for d in ({"order": 1}, {"order": 2}, {"order": 3})
            ]
        )
        assert result.failed_entry_count == 0
        event_ids = {str(entry.event_id) for entry in result.entries}

        with running("fail", db, "orders", VISIBILITY_S) as consumer:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while _count(engine, "orders-dlq") < 3:
                assert time.monotonic() < deadline, (consumer.lines, consumer.stderr())
                time.sleep(0.05)
            # The third receive of each message was printed before the consumer's next
            # receive moved it: its output is complete once the DLQ holds all three.
            lines = consumer.kill()

        receives: defaultdict[str, list[str]] = defaultdict(list)
        for line in lines:
            _, message_id, count = line.split()
            receives[message_id].append(count)
        assert len(receives) == 3
        assert all(counts == ["1", "2", "3"] for counts in receives.values()), receives

        # In the DLQ: the same messages (same ids, bodies: the events), from ``orders``.
        with engine.store.reader() as tx:
            dead = tx.oldest_messages("orders-dlq", EVERYTHING)
            assert tx.oldest_messages("orders", EVERYTHING) == []
        assert {m.message_id for m in dead} == set(receives)
        assert {json.loads(m.body)["id"] for m in dead} == event_ids
        assert {m.dead_letter_source for m in dead} == {engine.scope.queue_arn("orders")}
        source_arn = engine.sqs.receive_message(
            dlq, max_messages=1, visibility_timeout=0, attribute_names=["All"]
        )[0].attributes.get("DeadLetterQueueSourceArn")
        assert source_arn == engine.scope.queue_arn("orders")

        # Re-drive: back in ``orders``, received afresh, handled this time.
        engine.sqs.start_message_move_task(engine.scope.queue_arn("orders-dlq"))
        (task,) = engine.sqs.list_message_move_tasks(engine.scope.queue_arn("orders-dlq"))
        assert (task.status, task.moved) == ("COMPLETED", 3)
        assert _count(engine, "orders-dlq") == 0
        back = engine.sqs.receive_message(url, max_messages=10, attribute_names=["All"])
        assert {json.loads(m.body)["id"] for m in back} == event_ids
        assert {m.attributes["ApproximateReceiveCount"] for m in back} == {"1"}
        for message in back:
            engine.sqs.delete_message(url, message.receipt_handle)
        assert _count(engine, "orders") == 0


def _count(engine: Engine, queue: str) -> int:
    with engine.store.reader() as tx:
        return len(tx.oldest_messages(queue, EVERYTHING))


class AlwaysFails:
    """A function target that raises every time; remembers what it was called with."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def __call__(self, payload: Any) -> None:
        self.calls.append(payload)
        raise RuntimeError("payment service unavailable")


def _function_setup(tmp_path: Path, retry_policy: dict[str, int]) -> tuple[Engine, ManualClock]:
    clock = ManualClock()
    engine = Engine(open_engine(tmp_path / "orderflow.db").store, clock)
    scope = engine.scope
    engine.sqs.create_queue("charge-dlq")
    engine.events.put_rule("charge", json.dumps({"source": ["shop.orders"]}))
    engine.events.put_targets(
        "charge",
        [
            {
                "Id": "charge-card",
                "Arn": scope.function_arn("charge"),
                "RetryPolicy": retry_policy,
                "DeadLetterConfig": {"Arn": scope.queue_arn("charge-dlq")},
            }
        ],
    )
    return engine, clock


def _dead_letters(engine: Engine) -> list[dict[str, Any]]:
    with engine.store.reader() as tx:
        return [
            {"body": m.body, "attributes": json.loads(m.message_attributes)}
            for m in tx.oldest_messages("charge-dlq", EVERYTHING)
        ]


def test_a_function_that_always_fails_is_retried_then_dead_lettered(tmp_path: Path) -> None:
    engine, clock = _function_setup(
        tmp_path, {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 86_400}
    )
    try:
        result = engine.events.put_events(
            [{"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": '{"order": 7}'}]
        )
        event_id = result.entries[0].event_id
        charge = AlwaysFails()
        dispatcher = FunctionDispatcher(
            engine.store, clock, {"charge": charge}, rng=random.Random(1)
        )

        report = dispatcher.run_once()
        assert (len(charge.calls), report.retried, report.dead_lettered) == (1, 1, 0)
        dispatcher.run_once()  # the retry is not due yet: backoff
        assert len(charge.calls) == 1

        for _ in range(10):
            clock.advance(seconds=301)  # past any backoff delay (capped at 300 s)
            dispatcher.run_once()
            if _dead_letters(engine):
                break
        clock.advance(seconds=3600)
        dispatcher.run_once()  # nothing left to retry
        assert len(charge.calls) == 3  # the first call and MaximumRetryAttempts retries
        assert all(payload["id"] == event_id for payload in charge.calls)

        (letter,) = _dead_letters(engine)
        assert json.loads(letter["body"])["id"] == event_id
        attributes = {name: value["StringValue"] for name, value in letter["attributes"].items()}
        assert attributes == {
            "RULE_ARN": engine.scope.rule_arn("default", "charge"),
            "TARGET_ARN": engine.scope.function_arn("charge"),
            "ERROR_CODE": "FUNCTION_ERROR",
            "ERROR_MESSAGE": attributes["ERROR_MESSAGE"],
            "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
            "RETRY_ATTEMPTS": "2",
        }
        assert "payment service unavailable" in attributes["ERROR_MESSAGE"]
        assert letter["attributes"]["RETRY_ATTEMPTS"]["DataType"] == "Number"
        with engine.store.reader() as tx:
            assert tx.due_invocations(["charge"], 2**62, EVERYTHING) == []
    finally:
        engine.store.close()


@pytest.mark.parametrize("attempts", [0, 1, 4])
def test_maximum_retry_attempts_counts_retries_not_calls(tmp_path: Path, attempts: int) -> None:
    engine, clock = _function_setup(
        tmp_path, {"MaximumRetryAttempts": attempts, "MaximumEventAgeInSeconds": 86_400}
    )
    try:
        engine.events.put_events(
            [{"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": '{"order": 8}'}]
        )
        charge = AlwaysFails()
        dispatcher = FunctionDispatcher(
            engine.store, clock, {"charge": charge}, rng=random.Random(2)
        )
        for _ in range(attempts + 5):
            dispatcher.run_once()
            clock.advance(seconds=301)
        assert len(charge.calls) == attempts + 1
        (letter,) = _dead_letters(engine)
        assert letter["attributes"]["RETRY_ATTEMPTS"]["StringValue"] == str(attempts)
        exhausted = letter["attributes"]["EXHAUSTED_RETRY_CONDITION"]["StringValue"]
        assert exhausted == "MaximumRetryAttempts"
    finally:
        engine.store.close()


def test_a_function_failing_past_the_maximum_event_age_is_dead_lettered(tmp_path: Path) -> None:
    engine, clock = _function_setup(
        tmp_path, {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 60}
    )
    try:
        engine.events.put_events(
            [{"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": '{"order": 9}'}]
        )
        charge = AlwaysFails()
        dispatcher = FunctionDispatcher(
            engine.store, clock, {"charge": charge}, rng=random.Random(3)
        )
        for _ in range(50):
            dispatcher.run_once()
            if _dead_letters(engine):
                break
            clock.advance(seconds=10)
        (letter,) = _dead_letters(engine)
        attributes = {k: v["StringValue"] for k, v in letter["attributes"].items()}
        assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
        assert attributes["RETRY_ATTEMPTS"] == str(len(charge.calls) - 1)
        assert 1 <= len(charge.calls) < 185
    finally:
        engine.store.close()
