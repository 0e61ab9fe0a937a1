"""``orderflow sqs ...``: SQS operations, named and shaped as in ``aws sqs``."""

from __future__ import annotations

import typer

from orderflow.entrypoints.cli.context import aws_command, operation_name
from orderflow.entrypoints.cli.sqs import messages, moves, queues


def build_app() -> typer.Typer:
    """The ``sqs`` command group."""
    app = typer.Typer(
        name="sqs",
        help="SQS operations, with the AWS CLI's names, parameters and JSON output.",
        no_args_is_help=True,
    )
    for module in (queues, messages, moves):
        for name, command in module.COMMANDS.items():
            app.command(name)(aws_command(command, operation_name(name)))
    return app
