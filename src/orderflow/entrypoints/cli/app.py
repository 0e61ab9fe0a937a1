"""The ``orderflow`` command: the root typer application and its sub-commands."""

from __future__ import annotations

import typer

from orderflow import __version__
from orderflow.entrypoints.cli import demo, events


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
    app.add_typer(events.app)
    app.command("demo")(demo.run_demo)

    @app.callback(invoke_without_command=True)
    def root(
        version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    ) -> None:
        if version:
            typer.echo(f"orderflow {__version__}")
            raise typer.Exit

    return app


def main() -> None:
    """Console entry point."""
    build_app()()
