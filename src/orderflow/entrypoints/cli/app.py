"""The ``orderflow`` command: the root typer application and its sub-commands.

orderflow [--db PATH] events ...     EventBridge, as ``aws events ...``
orderflow [--db PATH] sqs ...        SQS, as ``aws sqs ...``
orderflow [--db PATH] queues         every queue at a glance
orderflow [--db PATH] dlq show|redrive QUEUE
orderflow demo
orderflow serve                      EventBridge + SQS over HTTP, for AWS SDKs
orderflow export cloudformation|terraform   the topology as infrastructure for AWS
orderflow package lambda DIR         the consumers' Lambda bundle
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from orderflow import __version__
from orderflow.bootstrap import DB_ENVIRONMENT, DEFAULT_DB, StorageUrlError
from orderflow.bootstrap.storage import parse_storage_url
from orderflow.entrypoints.cli import apply, demo, events, export, operator, package, serve, sqs
from orderflow.entrypoints.cli import system as system_commands
from orderflow.entrypoints.cli.arguments import expand_list_options, hoist_db
from orderflow.entrypoints.cli.context import CliSettings


def build_app() -> typer.Typer:
    """The CLI application, built on demand (no work at import time)."""
    app = typer.Typer(
        name="orderflow",
        help=(
            "orderflow: event-driven order processing that behaves like Amazon "
            "EventBridge + SQS, on one machine, with no account and no servers."
        ),
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode="rich",
    )
    app.add_typer(events.build_app())
    app.add_typer(sqs.build_app())
    app.add_typer(export.build_app())
    app.add_typer(package.build_app())
    operator.register(app)
    system_commands.register(app)
    app.command("demo")(demo.demo_command)
    app.command("apply")(apply.apply_command)
    app.command("serve")(serve.serve_command)

    @app.callback(invoke_without_command=True)
    def root(
        ctx: typer.Context,
        db: Annotated[
            str | None,
            typer.Option(
                "--db",
                envvar=DB_ENVIRONMENT,
                help=(
                    "The database every command works on: a SQLite file (a path, or "
                    f"sqlite:///FILE), or memory: (default: ./{DEFAULT_DB})."
                ),
                show_default=False,
            ),
        ] = None,
        version: Annotated[
            bool, typer.Option("--version", help="Print the version and exit.")
        ] = False,
    ) -> None:
        if version:
            typer.echo(f"orderflow {__version__}")
            raise typer.Exit
        if db is not None:
            try:
                parse_storage_url(db)
            except StorageUrlError as exc:
                raise typer.BadParameter(str(exc), param_hint="--db") from None
        ctx.obj = CliSettings(db)

    return app


def main() -> None:
    """Console entry point."""
    build_app()(args=expand_list_options(hoist_db(sys.argv[1:])), prog_name="orderflow")
