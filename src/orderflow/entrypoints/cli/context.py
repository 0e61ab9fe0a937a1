"""What every command shares: the database it works on, the engine's lifetime, and
failures reported as the AWS CLI reports them.

The root command stores a ``CliSettings`` (from ``--db`` / $ORDERFLOW_DB) in the typer
context; ``engine(ctx)`` opens the embedded engine on that file for one command and
closes it after. A command that only reads or changes what is there refuses a database
file that does not exist (``refuse_missing``: a typo in --db creates nothing); one that
creates something (create-queue, put-rule, ...) creates the database too.

``aws_command`` wraps a command so that a bad parameter exits with 252,
an AWS error with 254 ("An error occurred (Code) when calling the Operation operation:
message") and a database failure with 255, never with a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, ParamSpec

import typer
from rich.console import Console

from orderflow.bootstrap import StorageLocation, StorageUrlError, open_engine, storage_location
from orderflow.entrypoints.cli.arguments import ParameterError
from orderflow.entrypoints.cli.output import (
    fail_with_parameter_error,
    fail_with_service_error,
    fail_with_store_error,
)
from orderflow.eventbus import AwsError
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.errors import StoreError

P = ParamSpec("P")

MISSING_DATABASE_EXIT: Final = 2


@dataclass(frozen=True)
class CliSettings:
    """The root command's options, handed to every sub-command through the typer context."""

    db: str | None = None  # a path or URL; None: $ORDERFLOW_DB, else ./.orderflow/orderflow.db


def refuse_missing(location: StorageLocation) -> None:
    """Exit 2 with a one-line error if ``location`` is a database file that is not there
    (a server's database, or memory:, is not looked for)."""
    path = location.path
    if path is not None and not path.exists():
        Console(stderr=True, soft_wrap=True, highlight=False).print(
            f"[red]error:[/] there is no orderflow database at {path}. Start the system "
            "there (orderflow up), or point --db / ORDERFLOW_DB at the one it runs on."
        )
        raise typer.Exit(MISSING_DATABASE_EXIT)


@contextmanager
def engine(ctx: typer.Context, *, existing: bool = True) -> Iterator[Engine]:
    """The embedded engine on the command's database, closed when the block ends.
    ``existing``: the database must be there already (see the module docstring)."""
    settings = ctx.find_object(CliSettings) or CliSettings()
    try:
        if existing:
            refuse_missing(storage_location(settings.db))
        opened = open_engine(settings.db)
    except StorageUrlError as exc:  # memory: for a command that opens the engine alone
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    except StoreError as exc:
        if storage_location(settings.db).postgres_url is None:
            raise  # a file that fails: the AWS CLI's 255, from ``aws_command``
        # A server that is down, a login refused, another program's database: a setting.
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    try:
        yield opened
    finally:
        opened.store.close()


def operation_name(command: str) -> str:
    """The AWS operation a CLI command calls: ``put-rule`` -> ``PutRule``."""
    return "".join(word.capitalize() for word in command.split("-"))


@contextmanager
def calling(operation: str) -> Iterator[None]:
    """AWS errors raised in the block reported as coming from ``operation``."""
    try:
        yield
    except AwsError as exc:
        fail_with_service_error(exc, operation)


def aws_command(command: Callable[P, None], operation: str) -> Callable[P, None]:
    """``command`` reporting its failures as the AWS CLI does (see the module docstring);
    ``operation`` is the AWS operation it calls, named in error messages."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except ParameterError as exc:
            fail_with_parameter_error(str(exc))
        except AwsError as exc:
            fail_with_service_error(exc, operation)
        except StoreError as exc:
            fail_with_store_error(exc)

    return run
