"""``orderflow demo``: the whole system, started for real, through every scenario.

``command`` (the system, the order API's client, every scenario) is imported when the
demo runs, not with the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo_command(
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            help="Keep the database in this folder (default: a temporary one).",
            file_okay=False,
        ),
    ] = None,
    pause: Annotated[
        float, typer.Option("--pause", min=0, help="Seconds between tutorial steps.")
    ] = 0.5,
) -> None:
    """Start the whole system and run every scenario: the tutorial, the fan-out, the refund
    saga, versions 1.0 and 2.0, and a poison event through its DLQ and back."""
    from orderflow.entrypoints.cli.demo.command import run_demo  # noqa: PLC0415 (lazy)

    run_demo(keep, pause)
