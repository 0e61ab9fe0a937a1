"""Operator views AWS has no command for: ``orderflow queues`` and ``orderflow dlq``."""

from __future__ import annotations

import typer

from orderflow.entrypoints.cli.context import aws_command
from orderflow.entrypoints.cli.operator import dlq, queues


def register(app: typer.Typer) -> None:
    """Add ``queues`` and the ``dlq`` group to the root command."""
    app.command("queues")(aws_command(queues.show_queues, "GetQueueAttributes"))
    group = typer.Typer(
        name="dlq",
        help="Inspect dead-letter queues and send their messages back.",
        no_args_is_help=True,
    )
    group.command("show")(aws_command(dlq.show, "GetQueueAttributes"))
    group.command("redrive")(aws_command(dlq.redrive, "StartMessageMoveTask"))
    app.add_typer(group)
