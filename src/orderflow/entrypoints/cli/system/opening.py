"""Opening the system for one command, with failures reported clearly."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from orderflow.bootstrap import storage_location
from orderflow.bootstrap.apps import APP_ENVIRONMENT, Apps, loaded_apps
from orderflow.bootstrap.system import System, open_system
from orderflow.entrypoints.cli.context import CliSettings, refuse_missing
from orderflow.entrypoints.cli.system.transport_options import TransportChoice
from orderflow.errors import OrderflowError
from orderflow.eventbus.errors import StoreError

AppOption = Annotated[
    list[str] | None,
    typer.Option(
        "--app",
        envvar=APP_ENVIRONMENT,
        help="An application to run beside orderflow's own, as module:attribute (an "
        "orderflow.app.App; its directory on PYTHONPATH); repeatable. Installed packages' "
        "orderflow.apps entry points are loaded too.",
        show_default=False,
    ),
]


def apps_option(specs: Sequence[str] | None) -> Apps:
    """The applications ``--app`` names, beside orderflow's own and the installed ones; a
    bad one exits 2 with why."""
    names = [name for spec in specs or () for name in spec.split(",") if name]
    try:
        return loaded_apps(names)
    except OrderflowError as exc:
        raise typer.BadParameter(str(exc), param_hint="--app") from None


@contextmanager
def system(
    ctx: typer.Context,
    *,
    existing: bool = True,
    transport: TransportChoice | None = None,
    apps: Apps | None = None,
) -> Iterator[System]:
    """The system on the command's database, its events carried by ``transport`` (the
    embedded engine by default), running ``apps`` (default: orderflow's own); an
    orderflow error exits 1 with its message. ``existing``: the database must be there
    already (commands that only look at it)."""
    settings = ctx.find_object(CliSettings) or CliSettings()
    try:
        location = storage_location(settings.db)
    except OrderflowError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if existing:
        refuse_missing(location)
    try:
        opened = open_system(settings.db, aws=transport.aws if transport else None, apps=apps)
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
