"""``orderflow prune``: let the services' history go past an age (see runtime/retention.py)."""

from __future__ import annotations

import re
from typing import Annotated, Final

import typer
from rich.console import Console
from rich.table import Table

from orderflow.entrypoints.cli.options import AsJson
from orderflow.entrypoints.cli.output import print_json
from orderflow.entrypoints.cli.system.opening import system
from orderflow.runtime.retention import plan, prune

_AGE: Final = re.compile(r"(\d{1,6})([smhd])")
_UNIT_MS: Final = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
WHAT: Final = {
    "attempts": "delivery attempts (trace, dlq show)",
    "events": "published events (trace)",
    "emails": "sent emails (mail outbox)",
    "processed": "processed marks (idempotency)",
}


def age_ms(text: str, option: str = "--older-than") -> int:
    """``90s``, ``30m``, ``12h`` or ``14d`` in milliseconds."""
    matched = _AGE.fullmatch(text.strip())
    if matched is None:
        raise typer.BadParameter(
            f"{text!r} is not an age: a number and s, m, h or d, e.g. 14d",
            param_hint=option,
        )
    return int(matched[1]) * _UNIT_MS[matched[2]]


def prune_command(
    ctx: typer.Context,
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age past which history goes: 90s, 30m, 12h, 14d.")
    ] = "14d",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; delete nothing.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Delete the delivery journal's attempts, published events and sent emails older than
    an age, and the processed marks no queue or archive could make needed again. Safe
    while the system runs (small transactions); orders, stock and the archive stay."""
    keep_ms = age_ms(older_than)
    with system(ctx) as opened:
        retention = plan(opened.engine, opened.clock.now_ms(), keep_ms)
        counts = prune(opened.state, retention, dry_run=dry_run)
    if as_json:
        print_json(
            {
                "olderThan": older_than,
                "dryRun": dry_run,
                "rows": counts,
                "processedKept": retention.processed_kept,
            }
        )
        return
    table = Table(title=f"{'Would prune' if dry_run else 'Pruned'}: older than {older_than}")
    table.add_column("record")
    table.add_column("rows", justify="right")
    for record, count in counts.items():
        table.add_row(WHAT[record], f"{count:,}")
    console = Console()
    console.print(table)
    if retention.processed_kept:
        console.print(f"processed marks kept: {retention.processed_kept}")
