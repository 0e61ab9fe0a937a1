"""``/metrics`` scraped from a real ``orderflow up`` (API, workers and relays each a process
of its own, on one SQLite file) during a load, checked against the engine's own numbers
(GetQueueAttributes through the AWS endpoint on the same port) and the delivery journal;
and its ``--log-format json`` stream, every line parsed."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import httpx
from prometheus_client.parser import text_string_to_metric_families

from orderflow.entrypoints.system.ports import free_port
from tests.integration.system.commands import read_until, start_up
from tests.support.tools import local_client

POISON: Final = 3
ORDERS: Final = 12
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(base: str) -> Samples:
    """Every sample of one scrape, by name and labels."""
    response = httpx.get(f"{base}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def eventually(what: str, check: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def journal(db: Path, query: str, *parameters: str) -> list[Any]:
    with sqlite3.connect(db) as connection:
        return connection.execute(query, parameters).fetchall()


def place_orders(base: str, count: int) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        for n in range(count):
            sku, price = ("LT-006", 1899.0) if n % 3 == 0 else ("KB-001", 89.0)
            response = client.post(
                "/orders",
                json={
                    "customer": {"userId": f"u-{n}", "isRefundEligible": True},
                    "items": [{"sku": sku, "quantity": 1, "price": price}],
                },
            )
            assert response.status_code == 201, response.text


def test_metrics_agree_with_the_engine_and_the_journal_under_load(tmp_path: Path) -> None:
    db = tmp_path / "o.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    up = start_up(db, "--port", str(port), "--sink-port", str(free_port()), "--log-format", "json")
    lines: list[str] = []
    try:
        assert up.stdout is not None
        lines += read_until(up.stdout, "ready")
        drain = threading.Thread(target=lambda: lines.extend(up.stdout or ()), daemon=True)
        drain.start()
        sqs = local_client("sqs", base)
        # A queue no one consumes, with messages visible, in flight and delayed.
        parked = sqs.create_queue(QueueName="parked")["QueueUrl"]
        for n in range(7):
            sqs.send_message(QueueUrl=parked, MessageBody=f"m{n}", DelaySeconds=60 if n else 0)
        # Poison messages for inventory: a DLQ after two receives.
        inventory = sqs.get_queue_url(QueueName="inventory")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(
            QueueUrl=sqs.get_queue_url(QueueName="inventory-dlq")["QueueUrl"],
            AttributeNames=["QueueArn"],
        )["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        sqs.set_queue_attributes(QueueUrl=inventory, Attributes={"RedrivePolicy": policy})

        loader = threading.Thread(target=place_orders, args=(base, ORDERS))
        loader.start()
        for n in range(POISON):
            sqs.send_message(QueueUrl=inventory, MessageBody=f"not an event {n}")
        during = [scrape(base) for _ in range(5)]  # while the orders flow
        loader.join()
        for samples in during:
            assert all(v >= 0 for (name, _), v in samples.items() if "queue_messages" in name)

        eventually(
            "the poison messages to reach the DLQ",
            lambda: (
                value(
                    scrape(base),
                    "orderflow_queue_dlq_messages",
                    queue="inventory",
                    dlq="inventory-dlq",
                )
                == POISON
            ),
        )
        consumers = ("order-processing", "inventory", "notification", "analytics", "refund")

        def settled() -> bool:
            samples = scrape(base)
            busy = sum(
                value(samples, f"orderflow_queue_messages_{kind}", queue=queue)
                for queue in consumers
                for kind in ("visible", "in_flight", "delayed")
            )
            outbox = sum(
                v for (n, _), v in samples.items() if n == "orderflow_outbox_events_pending"
            )
            return (
                busy == 0 and outbox == 0 and value(samples, "orderflow_mail_outbox_pending") == 0
            )

        eventually("every order to be handled", settled)
        samples = scrape(base)

        # Queue numbers: those GetQueueAttributes reports.
        names = [url.rsplit("/", 1)[1] for url in sqs.list_queues()["QueueUrls"]]
        assert "parked" in names and "inventory-dlq" in names
        for name in names:
            attributes = sqs.get_queue_attributes(
                QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"], AttributeNames=["All"]
            )["Attributes"]
            assert (
                value(samples, "orderflow_queue_messages_visible", queue=name),
                value(samples, "orderflow_queue_messages_in_flight", queue=name),
                value(samples, "orderflow_queue_messages_delayed", queue=name),
            ) == (
                float(attributes["ApproximateNumberOfMessages"]),
                float(attributes["ApproximateNumberOfMessagesNotVisible"]),
                float(attributes["ApproximateNumberOfMessagesDelayed"]),
            ), name
        assert value(samples, "orderflow_queue_messages_visible", queue="parked") == 1
        assert value(samples, "orderflow_queue_messages_delayed", queue="parked") == 6
        assert value(samples, "orderflow_queue_messages_visible", queue="inventory-dlq") == POISON
        assert value(samples, "orderflow_queue_oldest_message_age_seconds", queue="parked") > 0

        # Consumers' counters: the journal's, written by five worker processes.
        by_outcome = journal(
            db, "SELECT consumer, outcome, COUNT(*) FROM svc_attempts GROUP BY 1, 2"
        )
        assert by_outcome
        for consumer, outcome, count in by_outcome:
            metric = "orderflow_consumer_messages_total"
            assert value(samples, metric, consumer=consumer, outcome=outcome) == count
        assert journal(db, "SELECT COUNT(*) FROM svc_attempts WHERE outcome = 'FAILED'") == [
            (2 * POISON,)
        ]
        retried = journal(
            db, "SELECT consumer, COUNT(*) FROM svc_attempts WHERE receive_count > 1 GROUP BY 1"
        )
        assert retried == [("inventory", POISON)]
        assert (
            value(samples, "orderflow_consumer_messages_retried_total", consumer="inventory")
            == POISON
        )
        timed = journal(
            db,
            "SELECT consumer, COUNT(*) FROM svc_attempts "
            "WHERE outcome IN ('PROCESSED', 'FAILED') GROUP BY 1",
        )
        for consumer, count in timed:
            assert (
                value(samples, "orderflow_handler_duration_seconds_count", consumer=consumer)
                == count
            )
            assert (
                value(
                    samples,
                    "orderflow_handler_duration_seconds_bucket",
                    consumer=consumer,
                    le="+Inf",
                )
                == count
            )

        # Rules and PutEvents: each event the outbox published, each delivery it made.
        [(published,)] = journal(
            db, "SELECT COUNT(*) FROM svc_outbox WHERE published_ms IS NOT NULL"
        )
        assert published >= ORDERS
        assert value(samples, "orderflow_put_events_entries_total", outcome="accepted") == published
        for consumer in consumers:
            [(delivered,)] = journal(
                db,
                "SELECT COUNT(*) FROM svc_attempts WHERE consumer = ? AND outcome != 'FAILED'",
                consumer,
            )
            matched = value(
                samples, "orderflow_rule_matched_events_total", bus="orders", rule=consumer
            )
            assert matched == delivered, consumer

        sqs.close()
        up.send_signal(signal.SIGINT)
        up.wait(timeout=30)
        drain.join(timeout=10)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
        if up.stdout is not None:
            up.stdout.close()

    # The JSON log: every line one object; a line per delivery, with its fields.
    records = [json.loads(line) for line in lines]
    assert all({"time", "level", "process", "message"} <= set(r) for r in records)
    deliveries = [r for r in records if "outcome" in r]
    for record in deliveries:
        assert record["consumer"] == record["process"]
        assert {"correlation_id", "event_id", "duration_ms", "pid"} <= set(record)
    failed = [r for r in deliveries if r["outcome"] == "FAILED"]
    assert len(failed) == 2 * POISON
    assert all(r["level"] == "WARNING" and r["error"] for r in failed)
    processed = journal(
        db, "SELECT consumer, COUNT(*) FROM svc_attempts WHERE outcome = 'PROCESSED' GROUP BY 1"
    )
    for consumer, count in processed:
        logged = [
            r for r in deliveries if r["consumer"] == consumer and r["outcome"] == "PROCESSED"
        ]
        assert len(logged) == count, consumer
        assert all(r["detail_type"] for r in logged)
    assert any(r["process"] == "up" and r["message"].startswith("stopped") for r in records)
