"""What the metrics read from a store, on every store: the counters kept beside the work
(``eventbus.model.counters``) and a queue's numbers kept without going through its
messages (``queue_sizes`` on SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.model.counters import (
    PUT_EVENTS_ENTRIES,
    RULE_MATCHED,
    TARGET_FAILED,
    CounterKey,
)
from orderflow.eventbus.model.queues import QueueCounts
from orderflow.eventbus.ports import EngineStore


def numbers(engine: Engine, queue: str) -> QueueCounts:
    with engine.store.reader() as tx:
        return tx.counts(queue, engine.clock.now_ms())


def test_counters_add_up_and_roll_back_with_their_transaction(store: EngineStore) -> None:
    hits = CounterKey.of("hits", consumer="inventory", outcome="PROCESSED")
    other = CounterKey.of("hits", consumer="inventory", outcome="FAILED")
    with store.transaction() as tx:
        tx.add_to_counters({hits: 2.0, other: 1.0})
    with store.transaction() as tx:
        tx.add_to_counters({hits: 3.0})
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.add_to_counters({hits: 100.0})
        raise RuntimeError
    with store.reader() as tx:
        assert tx.counters() == {hits: 5.0, other: 1.0}


def test_label_values_of_any_text_come_back_as_written(store: EngineStore) -> None:
    odd = CounterKey.of("x", rule='a "rule", with = signs', bus="b\nus")
    with store.transaction() as tx:
        tx.add_to_counters({odd: 0.25})
    with store.reader() as tx:
        assert tx.counters() == {odd: 0.25}


def test_put_events_counts_accepted_and_failed_entries_and_rule_matches(engine: Engine) -> None:
    engine.sqs.create_queue("orders")
    engine.events.put_rule("big", json.dumps({"detail": {"total": [{"numeric": [">", 100]}]}}))
    engine.events.put_targets("big", [{"Id": "q", "Arn": engine.scope.queue_arn("orders")}])
    good = {"Source": "shop", "DetailType": "T", "Detail": json.dumps({"total": 500})}
    small = {**good, "Detail": json.dumps({"total": 5})}
    bad = {**good, "Detail": "[1]"}  # MalformedDetail
    engine.events.put_events([good, small, bad, good])
    with engine.store.reader() as tx:
        counted = tx.counters()
    assert counted[CounterKey.of(PUT_EVENTS_ENTRIES, outcome="accepted")] == 3
    assert counted[CounterKey.of(PUT_EVENTS_ENTRIES, outcome="failed")] == 1
    assert counted[CounterKey.of(RULE_MATCHED, bus="default", rule="big")] == 2
    assert numbers(engine, "orders").visible == 2


def test_a_delivery_to_a_missing_queue_counts_as_the_targets_failure(engine: Engine) -> None:
    engine.events.put_rule("all", json.dumps({"source": ["shop"]}))
    engine.events.put_targets("all", [{"Id": "gone", "Arn": engine.scope.queue_arn("nowhere")}])
    engine.events.put_events([{"Source": "shop", "DetailType": "T", "Detail": "{}"}])
    with engine.store.reader() as tx:
        counted = tx.counters()
    assert counted[CounterKey.of(TARGET_FAILED, bus="default", rule="all", target="gone")] == 1


def test_queue_numbers_follow_sends_receives_deletes_and_purges(
    engine: Engine, clock: ManualClock
) -> None:
    sqs = engine.sqs
    sqs.create_queue("q")
    for n in range(5):
        sqs.send_message("q", f"m{n}")
    sqs.send_message("q", "later", delay_seconds=60)
    assert numbers(engine, "q") == QueueCounts(5, 0, 1, clock.now_ms())
    received = sqs.receive_message("q", max_messages=2)
    assert numbers(engine, "q").in_flight == 2
    sqs.delete_message("q", received[0].receipt_handle)
    assert (numbers(engine, "q").visible, numbers(engine, "q").in_flight) == (3, 1)
    clock.advance(ms=61_000)  # the delay and the visibility timeout (30 s) are over
    assert numbers(engine, "q") == QueueCounts(5, 0, 0, clock.now_ms() - 61_000)
    sqs.purge_queue("q")
    assert numbers(engine, "q") == QueueCounts(0, 0, 0, None)
    sqs.send_message("q", "again")
    assert numbers(engine, "q").visible == 1


def test_a_deleted_and_recreated_queue_starts_from_nothing(
    engine: Engine, clock: ManualClock
) -> None:
    engine.sqs.create_queue("q")
    engine.sqs.send_message("q", "one")
    engine.sqs.delete_queue("q")
    clock.advance(ms=61_000)
    engine.sqs.create_queue("q")
    assert numbers(engine, "q") == QueueCounts(0, 0, 0, None)
