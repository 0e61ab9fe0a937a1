"""The trace of a journey: every event with one correlation id, as the tree of what caused
what (causationId), with every delivery attempt and every stop in a dead-letter queue.

Events come from the outbox (what the services emitted, with when they were published)
and from the journal (what consumers received, including events from other publishers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from orderflow.runtime.journal import Attempt, Outcome
from orderflow.runtime.ports import TraceReads


@dataclass
class TracedEvent:
    event_id: str
    detail_type: str
    source: str
    causation_id: str | None
    created_ms: int | None = None
    published_ms: int | None = None
    publish_error: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    dead_lettered_by: list[str] = field(default_factory=list)
    """Consumers whose DLQ holds this event now."""
    children: list[TracedEvent] = field(default_factory=list)

    @property
    def first_seen_ms(self) -> int:
        times = [t for t in (self.created_ms, *(a.started_ms for a in self.attempts)) if t]
        return min(times) if times else 0


@dataclass
class Trace:
    correlation_id: str
    roots: list[TracedEvent]
    max_receives: Mapping[str, int] = field(default_factory=dict)
    """Consumer → its queue's maxReceiveCount (the receives before the DLQ)."""

    @property
    def start_ms(self) -> int:
        return min((root.first_seen_ms for root in self.roots), default=0)

    def dead_lettered_after(self, attempt: Attempt) -> bool:
        """Whether the message went to the consumer's DLQ after this attempt: it failed on
        its last allowed receive, so the next receive moved it there (the journal's later
        attempts of that consumer, if any, are of the message re-driven from the DLQ)."""
        limit = self.max_receives.get(attempt.consumer)
        return (
            limit is not None
            and attempt.outcome is Outcome.FAILED
            and attempt.receive_count >= limit
        )


def build_trace(
    state: TraceReads,
    correlation_id: str,
    dead_letters: Mapping[str, Sequence[str]] | None = None,
    max_receives: Mapping[str, int] | None = None,
) -> Trace:
    """The journey ``correlation_id``; ``dead_letters`` maps event ids to the consumers
    whose DLQ holds them now, ``max_receives`` consumers to their queue's maxReceiveCount
    (to show each stop in a DLQ, including those re-driven since)."""
    events: dict[str, TracedEvent] = {}
    for row in state.events_of(correlation_id):
        event = row.event
        events[event.event_id] = TracedEvent(
            event.event_id,
            event.detail_type,
            event.source,
            event.causation_id,
            created_ms=event.created_ms,
            published_ms=row.published_ms,
            publish_error=row.last_error,
        )
    for attempt in state.attempts_of(correlation_id):
        traced = events.get(attempt.event_id)
        if traced is None:
            traced = events[attempt.event_id] = TracedEvent(
                attempt.event_id, attempt.detail_type, attempt.source, attempt.causation_id
            )
        traced.attempts.append(attempt)
    for event_id, consumers in (dead_letters or {}).items():
        if event_id in events:
            events[event_id].dead_lettered_by.extend(consumers)
    roots: list[TracedEvent] = []
    for traced in sorted(events.values(), key=lambda e: e.first_seen_ms):
        parent = events.get(traced.causation_id) if traced.causation_id else None
        (parent.children if parent is not None else roots).append(traced)
    return Trace(correlation_id, roots, dict(max_receives or {}))
