"""``orderflow publisher``: the classic tutorial scenario against a running system.

Create an order, wait, update it, wait, cancel it; after each step, print what every
consumer did with the events (from the delivery journal in the database).
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from orderflow.bootstrap.system import System
from orderflow.entrypoints.cli.system.api_address import DEFAULT_API_URL, recorded_api_url
from orderflow.entrypoints.cli.system.opening import system
from orderflow.entrypoints.system.client import ApiError, OrderApi
from orderflow.runtime.journal import Attempt

SCENARIO_ORDER = {
    "customer": {"userId": "tutorial-customer", "isRefundEligible": True},
    "currency": "USD",
    "channel": "web",
    "items": [
        {"sku": "KB-001", "quantity": 1, "price": 89.00},
        {"sku": "MS-002", "quantity": 2, "price": 29.50},
    ],
    "payment": {"method": "card"},
}
SCENARIO_UPDATE = {
    "items": [
        {"sku": "KB-001", "quantity": 1, "price": 89.00},
        {"sku": "MS-002", "quantity": 2, "price": 29.50},
        {"sku": "CB-004", "quantity": 3, "price": 9.99},
    ]
}


def publisher_command(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The running system's API (default: where orderflow up / api last started "
            f"on this database, else {DEFAULT_API_URL}).",
            show_default=False,
        ),
    ] = None,
    pause: Annotated[float, typer.Option("--pause", min=0, help="Seconds between steps.")] = 2.0,
) -> None:
    """Create an order, wait, update it, wait, cancel it; print what each consumer did
    (read from the system's database: the one --db or ORDERFLOW_DB names, as for up)."""
    console = Console()
    seen: set[tuple[str, str, int]] = set()
    with system(ctx) as opened:  # before any order: a wrong database fails first
        api = OrderApi(url or recorded_api_url(opened))
        try:
            order = api.create_order(SCENARIO_ORDER)
            order_id = order["orderId"]
            console.print(f"[bold]created[/] {order_id} ({order['totalAmount']} USD)")
            _report(opened, console, order["correlationId"], pause, seen)
            api.update_order(order_id, SCENARIO_UPDATE)
            console.print(f"[bold]updated[/] {order_id}: added 3 x CB-004")
            _report(opened, console, order["correlationId"], pause, seen)
            api.cancel_order(order_id, "customer changed their mind")
            console.print(f"[bold]cancelled[/] {order_id}")
            _report(opened, console, order["correlationId"], pause, seen)
            final = api.get_order(order_id)
        except ApiError as exc:
            Console(stderr=True).print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(1) from None
    console.print(f"[bold]{order_id} is {final['status']}[/]  (orderflow trace {order_id})")


def _report(
    opened: System,
    console: Console,
    correlation_id: str,
    pause: float,
    seen: set[tuple[str, str, int]],
) -> None:
    time.sleep(pause)
    with opened.state.reader() as state:
        attempts = state.attempts_of(correlation_id)
    for attempt in attempts:
        key = (attempt.consumer, attempt.event_id, attempt.receive_count)
        if key in seen:
            continue
        seen.add(key)
        console.print(f"  {_line(attempt)}")


def _line(attempt: Attempt) -> str:
    error = f": {escape(attempt.error)}" if attempt.error else ""
    return (
        f"{attempt.consumer:<17} {attempt.detail_type:<20} {attempt.outcome.value}"
        f" ({attempt.duration_ms:.1f} ms){error}"
    )
