"""``orderflow trace ORDER_ID|CORRELATION_ID``: the tree of events an order caused."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from orderflow.bootstrap.system import System
from orderflow.entrypoints.cli.output import print_json
from orderflow.entrypoints.cli.system.opening import system
from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.queues.attributes import parse_redrive_policy
from orderflow.events.envelope import parse_envelope
from orderflow.events.errors import ContractError
from orderflow.runtime.journal import Outcome
from orderflow.runtime.trace import Trace, TracedEvent, build_trace
from orderflow.services.orders.records import ORDER

OUTCOME_STYLE = {
    Outcome.PROCESSED: "green",
    Outcome.DUPLICATE: "yellow",
    Outcome.IGNORED: "dim",
    Outcome.FAILED: "red",
}


def consumer_queues(opened: System) -> dict[str, tuple[str, int]]:
    """Consumer (its queue's name) → its DLQ and maxReceiveCount: every queue in the engine
    with a RedrivePolicy, so that the consumers of any application installed here count,
    whether or not this command loaded it."""
    sqs = opened.engine.sqs
    found: dict[str, tuple[str, int]] = {}
    for url in sqs.list_queues():
        try:
            attributes = sqs.get_queue_attributes(url, ["RedrivePolicy"])
        except AwsError:  # deleted meanwhile
            continue
        if "RedrivePolicy" in attributes:
            policy = parse_redrive_policy(attributes["RedrivePolicy"])
            found[sqs.name_of(url)] = (policy.dead_letter_queue, policy.max_receive_count)
    return found


def dead_letters(
    opened: System, correlation_id: str, queues: dict[str, tuple[str, int]]
) -> dict[str, list[str]]:
    """Event id → consumers whose DLQ holds it, for this journey."""
    found: dict[str, list[str]] = {}
    for consumer, (dead_letter, _) in queues.items():
        try:
            messages = opened.engine.sqs.peek_messages(dead_letter, 1000)
        except AwsError:  # no such queue here
            continue
        for message in messages:
            try:
                envelope = parse_envelope(message.body)
            except ContractError:
                continue
            if envelope.correlation_id == correlation_id:
                found.setdefault(envelope.event_id, []).append(consumer)
    return found


def load_trace(opened: System, identifier: str) -> Trace:
    """The trace of an order (by id) or of a correlation id."""
    with opened.state.reader() as state:
        order = state.get(ORDER, identifier)
        correlation_id = order["correlationId"] if order else identifier
    queues = consumer_queues(opened)
    letters = dead_letters(opened, correlation_id, queues)
    limits = {consumer: limit for consumer, (_, limit) in queues.items()}
    with opened.state.reader() as state:
        return build_trace(state, correlation_id, letters, limits)


def render(trace: Trace) -> Tree:
    start = trace.start_ms
    tree = Tree(f"[bold]journey {escape(trace.correlation_id)}[/]")

    def at(ms: int | None) -> str:
        return "?" if ms is None else f"+{ms - start} ms"

    def add(node: Tree, event: TracedEvent) -> None:
        published = ""
        if event.published_ms is not None:
            published = f", published {at(event.published_ms)}"
        elif event.created_ms is not None:
            published = f", [red]not published[/] {escape(event.publish_error or '')}"
        label = (
            f"[bold]{escape(event.detail_type)}[/] [dim]{escape(event.event_id)}[/] "
            f"({escape(event.source)}) {at(event.created_ms or event.first_seen_ms)}{published}"
        )
        branch = node.add(label)
        for attempt in event.attempts:
            style = OUTCOME_STYLE[attempt.outcome]
            error = f": {escape(attempt.error)}" if attempt.error else ""
            branch.add(
                f"{escape(attempt.consumer)} receive {attempt.receive_count} "
                f"[{style}]{attempt.outcome.value}[/] {at(attempt.started_ms)} "
                f"({attempt.duration_ms:.1f} ms){error}"
            )
            if trace.dead_lettered_after(attempt):
                branch.add(f"[red]→ {escape(attempt.consumer)}-dlq[/] (its last receive failed)")
        for consumer in event.dead_lettered_by:
            branch.add(f"[red bold]in {escape(consumer)}-dlq[/] (orderflow dlq redrive {consumer})")
        for child in event.children:
            add(branch, child)

    for root in trace.roots:
        add(tree, root)
    return tree


def as_json(trace: Trace) -> dict[str, Any]:
    """Each delivery says whether it sent the message to the DLQ (``deadLettered``);
    ``deadLetteredBy``: the consumers whose DLQ holds the event now."""

    def event(node: TracedEvent) -> dict[str, Any]:
        return {
            "eventId": node.event_id,
            "detailType": node.detail_type,
            "source": node.source,
            "causationId": node.causation_id,
            "createdMs": node.created_ms,
            "publishedMs": node.published_ms,
            "deliveries": [
                {
                    "consumer": a.consumer,
                    "receiveCount": a.receive_count,
                    "outcome": a.outcome.value,
                    "error": a.error,
                    "startedMs": a.started_ms,
                    "durationMs": a.duration_ms,
                    "deadLettered": trace.dead_lettered_after(a),
                }
                for a in node.attempts
            ],
            "deadLetteredBy": node.dead_lettered_by,
            "caused": [event(child) for child in node.children],
        }

    return {"correlationId": trace.correlation_id, "events": [event(r) for r in trace.roots]}


def trace_command(
    ctx: typer.Context,
    identifier: Annotated[
        str, typer.Argument(metavar="ORDER_ID|CORRELATION_ID", show_default=False)
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The tree of events an order caused, with every delivery, attempt, outcome and DLQ stop."""
    with system(ctx) as opened:
        trace = load_trace(opened, identifier)
    if not trace.roots:
        Console(stderr=True).print(f"No events found for {escape(identifier)}.")
        raise typer.Exit(1)
    if json_output:
        print_json(as_json(trace))
    else:
        Console().print(render(trace))
