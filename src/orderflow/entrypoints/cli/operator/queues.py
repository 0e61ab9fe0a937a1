"""``orderflow queues``: every queue at a glance (a rich table, or ``--json``)."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from orderflow.entrypoints.cli.context import calling, engine
from orderflow.entrypoints.cli.operator.status import QueueStatus, human_age, queue_statuses
from orderflow.entrypoints.cli.options import AsJson
from orderflow.entrypoints.cli.output import print_json


def show_queues(
    ctx: typer.Context,
    *,
    as_json: AsJson = False,
) -> None:
    """Every queue at a glance: its messages, its dead-letter queue, its oldest message.

    One row per queue: messages visible, in flight and delayed; the queue its
    RedrivePolicy names and how many messages wait there; the age of its oldest message.
    """
    with engine(ctx) as opened, calling("GetQueueAttributes"):
        statuses = queue_statuses(opened)
        now_ms = opened.clock.now_ms()
    depths = {status.name: status.depth for status in statuses}
    rows = [_row(status, depths, now_ms) for status in statuses]
    if as_json:
        print_json({"Queues": rows})
        return
    Console().print(_table(rows))


def _row(status: QueueStatus, depths: dict[str, int], now_ms: int) -> dict[str, Any]:
    dlq = status.dead_letter_queue
    return {
        "QueueName": status.name,
        "QueueUrl": status.url,
        "Visible": status.visible,
        "InFlight": status.in_flight,
        "Delayed": status.delayed,
        "DeadLetterQueue": dlq,
        "DeadLetterQueueDepth": depths.get(dlq) if dlq else None,
        "OldestMessageAgeSeconds": (
            None if status.oldest_sent_ms is None else (now_ms - status.oldest_sent_ms) // 1000
        ),
    }


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Queues", caption=None if rows else "no queues yet")
    names = max((len(row["QueueName"]) for row in rows), default=5)
    dlqs = max((len(row["DeadLetterQueue"] or "") for row in rows), default=3)
    table.add_column("queue", style="bold", no_wrap=True, min_width=names)  # whole, to copy
    for heading in ("visible", "in flight", "delayed"):
        table.add_column(heading, justify="right")
    table.add_column("DLQ", no_wrap=True, min_width=dlqs)
    table.add_column("DLQ depth", justify="right")
    table.add_column("oldest", justify="right")
    for row in rows:
        depth = row["DeadLetterQueueDepth"]
        age = row["OldestMessageAgeSeconds"]
        table.add_row(
            row["QueueName"],
            str(row["Visible"]),
            str(row["InFlight"]),
            str(row["Delayed"]),
            row["DeadLetterQueue"] or "[dim]-[/]",
            "[dim]-[/]" if depth is None else f"[red]{depth}[/]" if depth else "0",
            "[dim]-[/]" if age is None else human_age(age),
        )
    return table
