"""``orderflow events ...``: EventBridge operations, named and shaped as in ``aws events``."""

from __future__ import annotations

import typer

from orderflow.entrypoints.cli.context import aws_command, operation_name
from orderflow.entrypoints.cli.events import archives, buses, patterns, rules


def build_app() -> typer.Typer:
    """The ``events`` command group."""
    app = typer.Typer(
        name="events",
        help="EventBridge operations, with the AWS CLI's names, parameters and JSON output.",
        no_args_is_help=True,
    )
    for module in (patterns, rules, buses, archives):
        for name, command in module.COMMANDS.items():
            app.command(name)(aws_command(command, operation_name(name)))
    return app
