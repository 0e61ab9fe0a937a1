"""Fan-out: which deliveries one accepted event makes, computed inside the PutEvents
transaction so the event, its archive copies and every delivery commit together.

- SQS target: one message in the queue (a missing queue is NO_RESOURCE: straight to
  the target's DLQ, no retries, as on AWS).
- Event bus target: the event is routed again on that bus, once (one hop only).
- Function target: a pending invocation, run (with retries) by a function dispatcher.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from orderflow.eventbus.bus.dead_letters import ErrorCode, dead_letter
from orderflow.eventbus.bus.topology import BusRoutes, Route
from orderflow.eventbus.clock import to_iso
from orderflow.eventbus.ids import IdFactory
from orderflow.eventbus.model.bus import NewInvocation
from orderflow.eventbus.model.queues import NewMessage, QueueRecord
from orderflow.eventbus.names import (
    AwsScope,
    bus_name_from_arn,
    function_name_from_arn,
    queue_name_from_arn,
)
from orderflow.eventbus.ports import StoreTransaction
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
    archived: list[tuple[str, str, int, str]] = field(default_factory=list)
    dropped: int = 0  # deliveries that failed with no DLQ to take them


class Router:
    """Routes accepted events inside one transaction."""

    def __init__(
        self,
        tx: StoreTransaction,
        buses: dict[str, BusRoutes],
        scope: AwsScope,
        now_ms: int,
        new_id: IdFactory,
    ) -> None:
        self.tx = tx
        self.buses = buses
        self.scope = scope
        self.now_ms = now_ms
        self.new_id = new_id
        self.fanout = Fanout()
        self._queues: dict[str, QueueRecord | None] = {}

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
                self.fanout.archived.append((name, event.event_id, event.time_ms, event.text))
        for rule_name in routes.index.match(event.document):
            if only_rules is not None and rule_name not in only_rules:
                continue
            for route in routes.routes.get(rule_name, ()):
                self._deliver(route, event, hops)

    def _deliver(self, route: Route, event: AcceptedEvent, hops: int) -> None:
        target = route.target
        rule_arn = self.scope.rule_arn(route.rule.bus, route.rule.name)
        arn = target.arn
        if (queue_name := queue_name_from_arn(arn)) is not None:
            queue = self._queue(queue_name)
            if queue is None:
                self._fail(route, event, rule_arn, f"Queue {arn} does not exist.")
                return
            body = self._payload(route, event, rule_arn)
            delay_ms = int(queue.attributes.get("DelaySeconds", "0")) * 1000
            self.fanout.messages.append(
                NewMessage(
                    queue=queue_name,
                    message_id=self.new_id(),
                    body=body,
                    sent_ms=self.now_ms,
                    visible_at_ms=self.now_ms + delay_ms,
                    group_id=target.message_group_id,
                )
            )
        elif (bus_name := bus_name_from_arn(arn)) is not None:
            if hops == 0 and bus_name in self.buses:
                self.route(bus_name, event, hops=1)
            elif bus_name not in self.buses:
                self._fail(route, event, rule_arn, f"Event bus {arn} does not exist.")
        elif (function := function_name_from_arn(arn)) is not None:
            self.fanout.invocations.append(
                NewInvocation(
                    function=function,
                    rule_arn=rule_arn,
                    target_arn=arn,
                    target_id=target.target_id,
                    bus=route.rule.bus,
                    rule=route.rule.name,
                    payload=self._payload(route, event, rule_arn),
                    event=event.text,
                    ingested_ms=self.now_ms,
                    due_ms=self.now_ms,
                )
            )
        else:
            self._fail(
                route,
                event,
                rule_arn,
                f"orderflow's embedded engine cannot deliver to {arn}: targets must be SQS "
                "queues, event buses or functions.",
            )

    def _payload(self, route: Route, event: AcceptedEvent, rule_arn: str) -> str:
        if route.shape.kind is InputKind.EVENT:
            return event.text
        return render(
            route.shape,
            event.document,
            rule_arn=rule_arn,
            rule_name=route.rule.name,
            ingestion_time=to_iso(self.now_ms),
        )

    def _queue(self, name: str) -> QueueRecord | None:
        if name not in self._queues:
            self._queues[name] = self.tx.get_queue(name)
        return self._queues[name]

    def _fail(self, route: Route, event: AcceptedEvent, rule_arn: str, message: str) -> None:
        letter = dead_letter(
            self.tx,
            dead_letter_arn=route.target.dead_letter_arn,
            event=event.text,
            rule_arn=rule_arn,
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
        """Store everything routed so far (in the caller's transaction)."""
        if self.fanout.messages:
            self.tx.add_messages(self.fanout.messages)
        if self.fanout.invocations:
            self.tx.add_invocations(self.fanout.invocations)
        if self.fanout.archived:
            self.tx.archive_events(self.fanout.archived)
        return self.fanout
