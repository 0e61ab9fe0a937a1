"""Fan-out: which deliveries one accepted event makes, computed inside the PutEvents
transaction so the event, its archive copies and every delivery commit together.

- SQS target: one message in the queue (a missing queue is NO_RESOURCE: straight to
  the target's DLQ, no retries, as on AWS). A FIFO queue gets it in the target's message
  group (``SqsParameters.MessageGroupId``), deduplicated by its content: the queue must
  have ``ContentBasedDeduplication``.
- Event bus target: the event is routed again on that bus, once (one hop only).
- Function target: a pending invocation, run (with retries) by a function dispatcher.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from orderflow.eventbus.bus.dead_letters import ErrorCode, dead_letter
from orderflow.eventbus.bus.topology import Route, Routing, TargetKind
from orderflow.eventbus.clock import to_iso
from orderflow.eventbus.ids import IdFactory
from orderflow.eventbus.model.bus import ArchivedEvent, NewInvocation
from orderflow.eventbus.model.counters import RULE_MATCHED, TARGET_FAILED, CounterKey
from orderflow.eventbus.model.queues import NewMessage
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.queues import fifo
from orderflow.eventbus.transform import InputKind, render


@dataclass(frozen=True)
class AcceptedEvent:
    """An event ready to route: its envelope as a mapping and as JSON text."""

    event_id: str
    document: dict[str, Any]
    text: str
    time_ms: int


@dataclass
class Fanout:
    """Everything routing some events produced, written by the caller in one go."""

    messages: list[NewMessage] = field(default_factory=list)
    invocations: list[NewInvocation] = field(default_factory=list)
    archived: list[ArchivedEvent] = field(default_factory=list)
    dropped: int = 0  # deliveries that failed with no DLQ to take them
    counts: dict[CounterKey, float] = field(default_factory=dict)
    """Rules' matches and targets' failed deliveries (``eventbus.model.counters``)."""

    def count(self, key: CounterKey) -> None:
        self.counts[key] = self.counts.get(key, 0.0) + 1


_NOT_CONTENT_DEDUPLICATED = (
    "The FIFO queue {} must have ContentBasedDeduplication enabled to be an EventBridge target."
)


def _queue_of(message: NewMessage) -> str:
    return message.queue


class Router:
    """Routes accepted events inside one transaction."""

    def __init__(
        self,
        tx: StoreTransaction,
        routing: Routing,
        now_ms: int,
        new_id: IdFactory,
    ) -> None:
        self.tx = tx
        self.buses = routing.buses
        self.queues = routing.queues
        self.now_ms = now_ms
        self.new_id = new_id
        self.fanout = Fanout()
        self._delays: dict[str, int] = {}  # queue -> its DelaySeconds in ms

    def route(
        self,
        bus: str,
        event: AcceptedEvent,
        *,
        only_rules: Collection[str] | None = None,
        hops: int = 0,
        archive: bool = True,
    ) -> None:
        routes = self.buses.get(bus)
        if routes is None:
            return
        if archive:
            for name in routes.archives_for(event.document):
                self.fanout.archived.append(
                    ArchivedEvent(name, 0, event.event_id, event.time_ms, event.text, self.now_ms)
                )
        for rule_name in routes.index.match(event.document):
            if only_rules is not None and rule_name not in only_rules:
                continue
            self.fanout.count(CounterKey.of(RULE_MATCHED, bus=bus, rule=rule_name))
            for route in routes.routes.get(rule_name, ()):
                self._deliver(route, event, hops)

    def _deliver(self, route: Route, event: AcceptedEvent, hops: int) -> None:
        target = route.target
        kind = route.kind
        if kind is TargetKind.QUEUE:
            delay_ms = self._delays.get(route.destination)
            if delay_ms is None:
                queue = self.queues.get(route.destination)
                if queue is None:
                    self._fail(route, event, f"Queue {target.arn} does not exist.")
                    return
                delay_ms = int(queue.attributes.get("DelaySeconds", "0")) * 1000
                self._delays[route.destination] = delay_ms
            body = event.text if route.whole_event else self._payload(route, event)
            dedup_id = None
            if route.destination.endswith(".fifo"):
                record = self.queues[route.destination]
                if record.attributes.get("ContentBasedDeduplication") != "true":
                    self._fail(route, event, _NOT_CONTENT_DEDUPLICATED.format(target.arn))
                    return
                dedup_id = fifo.content_id(body)
            self.fanout.messages.append(
                NewMessage(
                    route.destination,
                    self.new_id(),
                    body,
                    self.now_ms,
                    self.now_ms + delay_ms,
                    group_id=target.message_group_id,
                    dedup_id=dedup_id,
                )
            )
        elif kind is TargetKind.BUS:
            if route.destination not in self.buses:
                self._fail(route, event, f"Event bus {target.arn} does not exist.")
            elif hops == 0:
                self.route(route.destination, event, hops=1)
        elif kind is TargetKind.FUNCTION:
            self.fanout.invocations.append(
                NewInvocation(
                    function=route.destination,
                    rule_arn=route.rule_arn,
                    target_arn=target.arn,
                    target_id=target.target_id,
                    bus=route.rule.bus,
                    rule=route.rule.name,
                    payload=self._payload(route, event),
                    event=event.text,
                    ingested_ms=self.now_ms,
                    due_ms=self.now_ms,
                )
            )
        else:
            self._fail(
                route,
                event,
                f"orderflow's embedded engine cannot deliver to {target.arn}: targets must be "
                "SQS queues, event buses or functions.",
            )

    def _payload(self, route: Route, event: AcceptedEvent) -> str:
        if route.shape.kind is InputKind.EVENT:
            return event.text
        return render(
            route.shape,
            event.document,
            rule_arn=route.rule_arn,
            rule_name=route.rule.name,
            ingestion_time=to_iso(self.now_ms),
        )

    def _fail(self, route: Route, event: AcceptedEvent, message: str) -> None:
        self.fanout.count(target_failed(route.rule.bus, route.rule.name, route.target.target_id))
        letter = dead_letter(
            self.tx,
            dead_letter_arn=route.target.dead_letter_arn,
            event=event.text,
            rule_arn=route.rule_arn,
            target_arn=route.target.arn,
            code=ErrorCode.NO_RESOURCE,
            message=message,
            retry_attempts=0,
            exhausted=None,
            now_ms=self.now_ms,
            new_id=self.new_id,
        )
        if letter is None:
            self.fanout.dropped += 1
        else:
            self.fanout.messages.append(letter)

    def write(self) -> Fanout:
        """Store everything routed so far (in the caller's transaction).

        The messages are written queue by queue (each queue's in routing order): a queue's
        messages then sit side by side in the table, so a receive of ten touches a few
        pages rather than the ten pages it would share with the other queues' messages."""
        if self.fanout.messages:
            standard: list[NewMessage] = []
            for message in sorted(self.fanout.messages, key=_queue_of):
                record = self.queues.get(message.queue)
                if record is not None and record.fifo and message.dedup_id is not None:
                    fifo.store(self.tx, record, message, self.now_ms)  # deduplicated
                else:
                    standard.append(message)
            self.tx.add_messages(standard)
        if self.fanout.invocations:
            self.tx.add_invocations(self.fanout.invocations)
        if self.fanout.archived:
            self.tx.archive_events(self.fanout.archived)
        self.tx.add_to_counters(self.fanout.counts)
        return self.fanout


def target_failed(bus: str, rule: str, target_id: str) -> CounterKey:
    """The counter of a target's failed deliveries."""
    return CounterKey.of(TARGET_FAILED, bus=bus, rule=rule, target=target_id)
