"""``orderflow apply FILE``: make the engine's buses, queues, rules, targets and archives
match a topology file, printing the plan first.

The engine is the embedded one on ``--db``, else the root command's ``--db``, else
$ORDERFLOW_DB, else ./.orderflow/orderflow.db; or, with ``--endpoint-url URL``
(``--region``, ``--profile``), the EventBridge and SQS of an AWS-compatible endpoint
(``orderflow serve`` elsewhere, moto's server, LocalStack), through boto3 with its
usual credentials.

Exit status: 0 when the engine matches the file; 2 when the file cannot be read,
is invalid, or cannot be applied as it stands (or the options contradict each other);
254 (as the AWS CLI) when the engine refuses a change; 255 when the database fails or
the endpoint does not answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from orderflow.bootstrap import AwsConnection, open_engine
from orderflow.entrypoints.cli.output import SERVICE_ERROR_EXIT, STORE_ERROR_EXIT
from orderflow.eventbus.apis import AwsApis
from orderflow.eventbus.errors import AwsError, StoreError

if TYPE_CHECKING:
    from orderflow.eventbus.topology_file import Plan

FILE_ERROR_EXIT: Final = 2
COLOURS: Final = {"create": "green", "update": "yellow", "delete": "red"}


def apply_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The topology file (YAML): buses, queues, rules, targets, archives.",
        ),
    ],
    *,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help=(
                "Also delete what the file does not name but owns (its owner: tag): rules "
                "and targets on its buses, and queues nothing kept still uses. Off by default."
            ),
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="With --prune: delete queues that hold messages too (and the messages).",
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
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url",
            help=(
                "Apply to the EventBridge and SQS of this AWS-compatible endpoint instead of "
                "the database (credentials as for the AWS CLI)."
            ),
            show_default=False,
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="With --endpoint-url: the region (default: the AWS CLI's, else us-east-1).",
            show_default=False,
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", help="With --endpoint-url: the AWS CLI profile.", show_default=False
        ),
    ] = None,
) -> None:
    """Make the engine match a topology file: print the plan (+ create, ~ update, - delete),
    then apply it."""
    # pydantic (the file's schema) is imported here, not with every command of the CLI.
    from orderflow.eventbus.topology_file import (  # noqa: PLC0415 (lazy)
        ApplyError,
        TopologyError,
        apply,
        load_topology,
        plan,
    )

    out = Console(soft_wrap=True, highlight=False)
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        spec = load_topology(file)
    except TopologyError as exc:
        _fail(err, escape(str(exc)), FILE_ERROR_EXIT)
    if endpoint_url is None and (region or profile):
        _fail(err, "--region and --profile go with --endpoint-url.", FILE_ERROR_EXIT)
    if endpoint_url is not None and db is not None:
        _fail(err, "Give --db or --endpoint-url, not both.", FILE_ERROR_EXIT)
    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        _fail(
            err,
            f"--endpoint-url {escape(endpoint_url)!r} is not a URL: give http://HOST:PORT or "
            "https://...",
            FILE_ERROR_EXIT,
        )
    connection = None if endpoint_url is None else AwsConnection(endpoint_url, region, profile)
    where = "The engine" if connection is None else f"The endpoint {connection.label}"
    with _opened(err, connection, db or getattr(ctx.obj, "db", None)) as apis:  # root's --db
        try:
            planned = plan(apis, spec, prune=prune, force=force)
        except TopologyError as exc:
            _fail(
                err, f"{escape(str(file))}: cannot be applied: {escape(str(exc))}", FILE_ERROR_EXIT
            )
        except AwsError as exc:
            if _unreachable(exc, connection):
                _fail(err, f"{escape(str(exc))} (nothing applied)", STORE_ERROR_EXIT)
            _fail(
                err,
                f"{where} refused to describe its resources: {escape(str(exc))}",
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
            apply(apis, planned)
        except ApplyError as exc:
            failed = (
                f"Applied {exc.applied} of {_count(len(planned))}; then "
                f"{escape(exc.change.summary)} failed.\n"
            )
            if _unreachable(exc.error, connection):
                _fail(err, failed + escape(exc.error.message), STORE_ERROR_EXIT)
            _fail(
                err,
                failed + f"An error occurred ({exc.error.code}) when calling the "
                f"{exc.change.operation} operation: {escape(exc.error.message)}",
                SERVICE_ERROR_EXIT,
            )
        out.print(f"Applied {_count(len(planned))}.")


@contextmanager
def _opened(err: Console, connection: AwsConnection | None, db: Path | None) -> Iterator[AwsApis]:
    """The embedded engine on ``db``, or the endpoint of ``connection``, closed after;
    a database that fails, or an endpoint that does not answer, ends the command (255)."""
    if connection is not None:
        from orderflow.adapters.aws.apis import open_remote_apis  # noqa: PLC0415 (lazy: boto3)

        try:
            remote = open_remote_apis(connection)
        except AwsError as exc:
            if _unreachable(exc, connection):
                _fail(err, f"{escape(str(exc))} (nothing applied)", STORE_ERROR_EXIT)
            _fail(
                err,
                f"The endpoint {escape(connection.label)} refused to say which account it "
                f"acts in: {escape(str(exc))}",
                SERVICE_ERROR_EXIT,
            )
        try:
            yield remote
        finally:
            remote.close()
        return
    try:
        engine = open_engine(db)
    except StoreError as exc:
        _fail(err, escape(str(exc)), STORE_ERROR_EXIT)
    try:
        yield engine
    except StoreError as exc:
        _fail(err, escape(str(exc)), STORE_ERROR_EXIT)
    finally:
        engine.store.close()


def _unreachable(error: AwsError, connection: AwsConnection | None) -> bool:
    """Whether ``error`` is an endpoint that did not answer (boto3 is imported only for a
    remote apply, so the embedded one starts without it)."""
    if connection is None:
        return False
    from orderflow.adapters.aws.clients import EndpointUnreachable  # noqa: PLC0415 (lazy)

    return isinstance(error, EndpointUnreachable)


def _print_plan(out: Console, planned: Plan) -> None:
    for change in planned.changes:
        out.print(f"[{COLOURS[change.action.value]}]{escape(change.summary)}[/]")
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
