"""Opening the system for one command, with failures reported clearly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from orderflow.bootstrap import storage_location
from orderflow.bootstrap.system import System, open_system
from orderflow.entrypoints.cli.context import CliSettings, refuse_missing
from orderflow.entrypoints.cli.system.transport_options import TransportChoice
from orderflow.errors import OrderflowError
from orderflow.eventbus.errors import StoreError


@contextmanager
def system(
    ctx: typer.Context, *, existing: bool = True, transport: TransportChoice | None = None
) -> Iterator[System]:
    """The system on the command's database, its events carried by ``transport`` (the
    embedded engine by default); an orderflow error exits 1 with its message.
    ``existing``: the database must be there already (commands that only look at it)."""
    settings = ctx.find_object(CliSettings) or CliSettings()
    try:
        location = storage_location(settings.db)
    except OrderflowError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if existing:
        refuse_missing(location)
    try:
        opened = open_system(settings.db, aws=transport.aws if transport else None)
    except StoreError as exc:  # a file that fails (1), or a server's database that cannot
        Console(stderr=True).print(f"[red]error:[/] {exc}")  # be used: a setting (2)
        raise typer.Exit(2 if location.postgres_url else 1) from None
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
