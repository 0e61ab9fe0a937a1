"""The metrics, read from the store at each scrape (a ``prometheus_client`` collector).

Nothing is counted in this process's memory: the counters are the store's (written by
every process beside the work they count, ``eventbus.model.counters`` and
``runtime.counting``), and the queues' numbers are the store's ``counts``, read without
going through the messages. So any process that serves ``/metrics`` (``orderflow api``,
``up``, ``serve``) answers for every worker and relay on the store, on any host, and the
numbers survive restarts. One reader transaction per scrape: one consistent snapshot.

Queues: visible, in flight, delayed, the oldest message's age, and each queue's DLQ
depth (its dead-letter queue's visible messages, labelled with the source queue).
Consumers: attempts by outcome, redeliveries, handler latency (histogram); the outbox
backlog by source and its oldest age; the mail outbox backlog. Rules: events matched,
target delivery failures. Engine: PutEvents entries accepted / failed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from orderflow.eventbus.clock import Clock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.model.counters import (
    PUT_EVENTS_ENTRIES,
    RULE_MATCHED,
    TARGET_FAILED,
    CounterKey,
)
from orderflow.eventbus.model.queues import QueueCounts, QueueRecord
from orderflow.eventbus.names import queue_name_from_arn
from orderflow.runtime.counting import (
    ATTEMPTS,
    HANDLER_BUCKET,
    HANDLER_BUCKETS_S,
    HANDLER_SUM,
    INFINITE,
    REDELIVERIES,
)
from orderflow.runtime.ports import Backlog, StateStore

PREFIX = "orderflow"


def dead_letter_queue(queue: QueueRecord) -> str | None:
    """The name of the queue's DLQ (its RedrivePolicy's target), if it has one."""
    policy = queue.attributes.get("RedrivePolicy")
    if not policy:
        return None
    try:
        arn = json.loads(policy).get("deadLetterTargetArn")
    except (ValueError, AttributeError):
        return None
    return queue_name_from_arn(arn) if isinstance(arn, str) else None


def age_s(now_ms: int, since_ms: int | None) -> float:
    return 0.0 if since_ms is None else max(0.0, (now_ms - since_ms) / 1000)


@dataclass(frozen=True)
class Reading:
    """One scrape's snapshot of the store."""

    now_ms: int
    queues: list[QueueRecord]
    counts: dict[str, QueueCounts]
    counters: dict[CounterKey, float]
    outbox: dict[str, Backlog] | None
    mail: Backlog | None


class StoreCollector(Collector):
    """The metrics of the ``engine``'s store, and of ``state``'s outboxes when given (the
    AWS endpoint alone, ``orderflow serve``, has no services' state). With no engine (the
    services on the AWS APIs), the queues are SQS's to report; the counters are read
    from the state's store."""

    def __init__(self, clock: Clock, engine: Engine | None, state: StateStore | None) -> None:
        self._clock = clock
        self._engine = engine
        self._state = state

    def read(self) -> Reading:
        now = self._clock.now_ms()
        queues: list[QueueRecord] = []
        counts: dict[str, QueueCounts] = {}
        counters: dict[CounterKey, float] = {}
        if self._engine is not None:
            with self._engine.store.reader() as tx:
                queues = tx.list_queues()
                counts = {queue.name: tx.counts(queue.name, now) for queue in queues}
                counters = tx.counters()
        outbox = mail = None
        if self._state is not None:
            with self._state.reader() as state:
                outbox, mail = state.outbox_backlog(), state.mail_backlog()
                if self._engine is None:
                    counters = state.counters()
        return Reading(now, queues, counts, counters, outbox, mail)

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        reading = self.read()
        yield from queue_metrics(reading)
        yield from counter_metrics(reading.counters)
        yield from backlog_metrics(reading)
        scrape = GaugeMetricFamily(
            f"{PREFIX}_scrape_duration_seconds", "How long reading the store for this scrape took."
        )
        scrape.add_metric([], time.perf_counter() - started)
        yield scrape


def queue_metrics(reading: Reading) -> Iterator[Metric]:
    def gauge(name: str, help_text: str, labels: Iterable[str] = ("queue",)) -> GaugeMetricFamily:
        return GaugeMetricFamily(f"{PREFIX}_queue_{name}", help_text, labels=list(labels))

    visible = gauge("messages_visible", "Messages ready to receive (ApproximateNumberOfMessages).")
    in_flight = gauge("messages_in_flight", "Messages received, not yet deleted (NotVisible).")
    delayed = gauge("messages_delayed", "Messages waiting out their delay (Delayed).")
    oldest = gauge("oldest_message_age_seconds", "Age of the queue's oldest message.")
    dlq = gauge(
        "dlq_messages", "Visible messages in the queue's dead-letter queue.", ("queue", "dlq")
    )
    for queue in reading.queues:
        counts = reading.counts[queue.name]
        labels = [queue.name]
        visible.add_metric(labels, counts.visible)
        in_flight.add_metric(labels, counts.in_flight)
        delayed.add_metric(labels, counts.delayed)
        oldest.add_metric(labels, age_s(reading.now_ms, counts.oldest_sent_ms))
        target = dead_letter_queue(queue)
        if target is not None and target in reading.counts:
            dlq.add_metric([queue.name, target], reading.counts[target].visible)
    yield from (visible, in_flight, delayed, oldest, dlq)


def counter_metrics(counters: dict[CounterKey, float]) -> Iterator[Metric]:
    def counter(
        name: str, help_text: str, labels: list[str]
    ) -> tuple[CounterMetricFamily, list[str]]:
        return CounterMetricFamily(f"{PREFIX}_{name}", help_text, labels=labels), labels

    families = {
        ATTEMPTS: counter(
            "consumer_messages",
            "Deliveries a consumer handled, by outcome (PROCESSED, DUPLICATE, IGNORED, FAILED).",
            ["consumer", "outcome"],
        ),
        REDELIVERIES: counter(
            "consumer_messages_retried",
            "Deliveries received more than once (after a failure or a lost lease).",
            ["consumer"],
        ),
        RULE_MATCHED: counter("rule_matched_events", "Events a rule matched.", ["bus", "rule"]),
        TARGET_FAILED: counter(
            "target_delivery_failures",
            "Deliveries to a rule's target that failed (a missing queue, a failed function).",
            ["bus", "rule", "target"],
        ),
        PUT_EVENTS_ENTRIES: counter(
            "put_events_entries", "PutEvents entries, accepted or failed.", ["outcome"]
        ),
    }
    buckets: dict[str, dict[str, float]] = {}
    sums: dict[str, float] = {}
    for key, value in sorted(counters.items()):
        known = families.get(key.name)
        if known is not None:
            family, labels = known
            family.add_metric([key.label(name) for name in labels], value)
        elif key.name == HANDLER_BUCKET:
            buckets.setdefault(key.label("consumer"), {})[key.label("le")] = value
        elif key.name == HANDLER_SUM:
            sums[key.label("consumer")] = value
    yield from (family for family, _ in families.values())
    yield handler_histogram(buckets, sums)


def handler_histogram(
    buckets: dict[str, dict[str, float]], sums: dict[str, float]
) -> HistogramMetricFamily:
    histogram = HistogramMetricFamily(
        f"{PREFIX}_handler_duration_seconds",
        "How long a consumer's handler took for one message.",
        labels=["consumer"],
    )
    for consumer in sorted(buckets):
        counted = buckets[consumer]
        running = 0.0
        cumulative: list[tuple[str, float]] = []
        for bound in (*(repr(b) for b in HANDLER_BUCKETS_S), INFINITE):
            running += counted.get(bound, 0.0)
            cumulative.append((bound, running))
        histogram.add_metric([consumer], cumulative, sums.get(consumer, 0.0))
    return histogram


def backlog_metrics(reading: Reading) -> Iterator[Metric]:
    if reading.outbox is None or reading.mail is None:
        return
    pending = GaugeMetricFamily(
        f"{PREFIX}_outbox_events_pending",
        "Outbox events not yet put on the bus, by the service that emitted them.",
        labels=["source"],
    )
    oldest = GaugeMetricFamily(
        f"{PREFIX}_outbox_oldest_event_age_seconds",
        "Age of the oldest outbox event not yet put on the bus.",
        labels=["source"],
    )
    for source, backlog in sorted(reading.outbox.items()):
        pending.add_metric([source], backlog.count)
        oldest.add_metric([source], age_s(reading.now_ms, backlog.oldest_ms))
    mail = GaugeMetricFamily(f"{PREFIX}_mail_outbox_pending", "Emails not yet sent.")
    mail.add_metric([], reading.mail.count)
    mail_age = GaugeMetricFamily(
        f"{PREFIX}_mail_outbox_oldest_age_seconds", "Age of the oldest email not yet sent."
    )
    mail_age.add_metric([], age_s(reading.now_ms, reading.mail.oldest_ms))
    yield from (pending, oldest, mail, mail_age)


def metrics_registry(
    clock: Clock, engine: Engine | None, state: StateStore | None = None
) -> CollectorRegistry:
    """A registry of its own (never the global one) with the store's metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(clock, engine, state))
    return registry
