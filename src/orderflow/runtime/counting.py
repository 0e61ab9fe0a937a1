"""What a consumer's batch adds to the counters: its attempts by outcome, its redeliveries,
and how long its handlers took (a histogram in fixed buckets), written in the batch's own
transaction, beside the journal of the same attempts (so the two always agree)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Final

from orderflow.eventbus.model.counters import CounterKey
from orderflow.runtime.journal import Attempt, Outcome

ATTEMPTS: Final = "consumer_attempts"
"""Deliveries a consumer handled, by ``consumer`` and ``outcome`` (``Outcome``)."""
REDELIVERIES: Final = "consumer_redeliveries"
"""Deliveries received more than once (retries after a failure or a lost lease)."""
HANDLER_BUCKET: Final = "handler_seconds_bucket"
"""Handler runs by ``consumer`` and ``le``: the smallest bucket bound not below the run's
duration (not cumulative; the metrics endpoint sums them up as Prometheus wants)."""
HANDLER_SUM: Final = "handler_seconds_sum"
HANDLER_BUCKETS_S: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
INFINITE: Final = "+Inf"

_TIMED: Final = frozenset({Outcome.PROCESSED, Outcome.FAILED})
"""Outcomes where a handler ran (or a message failed to be read): the latency's samples."""


def bucket_label(seconds: float) -> str:
    """The ``le`` of the bucket a run of ``seconds`` falls in."""
    index = bisect.bisect_left(HANDLER_BUCKETS_S, seconds)
    return INFINITE if index == len(HANDLER_BUCKETS_S) else repr(HANDLER_BUCKETS_S[index])


def attempt_increments(attempts: Sequence[Attempt]) -> dict[CounterKey, float]:
    """The counters a batch's attempts add to."""
    counts: dict[CounterKey, float] = {}

    def add(key: CounterKey, value: float = 1.0) -> None:
        counts[key] = counts.get(key, 0.0) + value

    for attempt in attempts:
        consumer = attempt.consumer
        add(CounterKey.of(ATTEMPTS, consumer=consumer, outcome=attempt.outcome.value))
        if attempt.receive_count > 1:
            add(CounterKey.of(REDELIVERIES, consumer=consumer))
        if attempt.outcome in _TIMED:
            seconds = attempt.duration_ms / 1000
            add(CounterKey.of(HANDLER_BUCKET, consumer=consumer, le=bucket_label(seconds)))
            add(CounterKey.of(HANDLER_SUM, consumer=consumer), seconds)
    return counts
