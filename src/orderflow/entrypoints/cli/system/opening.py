"""Opening the system for one command, with failures reported clearly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from orderflow.bootstrap import database_path
from orderflow.bootstrap.system import System, open_system
from orderflow.entrypoints.cli.context import CliSettings
from orderflow.errors import OrderflowError


@contextmanager
def system(ctx: typer.Context, *, existing: bool = True) -> Iterator[System]:
    """The system on the command's database; an orderflow error exits 1 with its message.
    ``existing``: the database must be there already (commands that only look at it)."""
    settings = ctx.find_object(CliSettings) or CliSettings()
    path = database_path(settings.db)
    if existing and not path.exists():
        Console(stderr=True).print(
            f"[red]error:[/] there is no orderflow database at {path}. Start the system "
            "there (orderflow up), or point --db / ORDERFLOW_DB at the one it runs on."
        )
        raise typer.Exit(1)
    try:
        opened = open_system(settings.db)
    except OrderflowError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    try:
        yield opened
    except OrderflowError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    finally:
        opened.close()
