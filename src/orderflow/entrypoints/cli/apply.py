"""``orderflow apply FILE``: make the engine's buses, queues, rules, targets and archives
match a topology file, printing the plan first.

Exit status: 0 when the engine matches the file; 2 when the file cannot be read,
is invalid, or cannot be applied as it stands; 254 (as the AWS CLI) when the engine
refuses a change; 255 when the database fails. The database is ``--db``, else the
root command's ``--db``, else $ORDERFLOW_DB, else ./.orderflow/orderflow.db.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from orderflow.bootstrap import open_engine
from orderflow.entrypoints.cli.output import SERVICE_ERROR_EXIT, STORE_ERROR_EXIT
from orderflow.eventbus.errors import AwsError, StoreError
from orderflow.eventbus.topology_file import (
    Action,
    ApplyError,
    Plan,
    TopologyError,
    apply,
    load_topology,
    plan,
)

FILE_ERROR_EXIT: Final = 2
COLOURS: Final = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.DELETE: "red"}


def apply_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The topology file (YAML): buses, queues, rules, targets, archives.",
        ),
    ],
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help=(
                "Also delete what the file does not name: rules and targets on its buses, "
                "and queues nothing kept still uses. Off by default."
            ),
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and change nothing.")
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="The database file (default: $ORDERFLOW_DB, else ./.orderflow/orderflow.db).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Make the engine match a topology file: print the plan (+ create, ~ update, - delete),
    then apply it."""
    out = Console(soft_wrap=True, highlight=False)
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        spec = load_topology(file)
    except TopologyError as exc:
        _fail(err, escape(str(exc)), FILE_ERROR_EXIT)
    try:
        engine = open_engine(db or getattr(ctx.obj, "db", None))  # the root's --db
    except StoreError as exc:
        _fail(err, escape(str(exc)), STORE_ERROR_EXIT)
    try:
        try:
            planned = plan(engine, spec, prune=prune)
        except TopologyError as exc:
            _fail(
                err, f"{escape(str(file))}: cannot be applied: {escape(str(exc))}", FILE_ERROR_EXIT
            )
        except AwsError as exc:
            _fail(
                err,
                f"The engine refused to describe its resources: {escape(str(exc))}",
                SERVICE_ERROR_EXIT,
            )
        _print_plan(out, planned)
        if planned.empty:
            out.print("No changes.")
            return
        if dry_run:
            out.print(f"Dry run: {_count(len(planned))} planned, none applied.")
            return
        try:
            apply(engine, planned)
        except ApplyError as exc:
            _fail(
                err,
                f"Applied {exc.applied} of {_count(len(planned))}; then "
                f"{escape(exc.change.summary)} failed.\n"
                f"An error occurred ({exc.error.code}) when calling the "
                f"{exc.change.operation} operation: {escape(exc.error.message)}",
                SERVICE_ERROR_EXIT,
            )
        out.print(f"Applied {_count(len(planned))}.")
    except StoreError as exc:
        _fail(err, escape(str(exc)), STORE_ERROR_EXIT)
    finally:
        engine.store.close()


def _print_plan(out: Console, planned: Plan) -> None:
    for change in planned.changes:
        out.print(f"[{COLOURS[change.action]}]{escape(change.summary)}[/]")
    for note in planned.notes:
        out.print(f"[yellow]! {escape(note)}[/]")
    if planned.unmanaged:
        out.print(
            f"[dim]Not in the file, left alone ({len(planned.unmanaged)}; --prune deletes "
            f"them): {escape(', '.join(planned.unmanaged))}[/]"
        )


def _count(changes: int) -> str:
    return f"{changes} change" if changes == 1 else f"{changes} changes"


def _fail(err: Console, message: str, status: int) -> NoReturn:
    err.print(f"[red]error:[/] {message}")
    raise typer.Exit(status)
