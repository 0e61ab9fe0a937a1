"""The composition root: the one place that picks and wires concrete adapters.

Everything above (CLI, HTTP API, workers) asks this module for an engine instead
of naming an adapter itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from orderflow.adapters.aws.connection import AwsConnection
from orderflow.adapters.sqlite import SqliteStore
from orderflow.adapters.sqlite.connection import DEFAULT_SYNCHRONOUS
from orderflow.bootstrap.storage import StorageLocation, StorageUrlError, parse_storage_url
from orderflow.eventbus.clock import Clock, SystemClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.names import AwsScope

__all__ = [
    "DB_ENVIRONMENT",
    "DEFAULT_DB",
    "TRANSPORT_ENVIRONMENT",
    "AwsConnection",
    "StorageLocation",
    "StorageUrlError",
    "database_path",
    "open_engine",
    "storage_location",
    "synchronous_level",
]

DB_ENVIRONMENT: Final = "ORDERFLOW_DB"
TRANSPORT_ENVIRONMENT: Final = "ORDERFLOW_TRANSPORT"
"""``aws`` carries the services' events over the AWS APIs; ``engine`` (the default), on
the embedded engine."""
SYNCHRONOUS_ENVIRONMENT: Final = "ORDERFLOW_SYNCHRONOUS"
"""SQLite's ``synchronous`` level for every process: FULL (the default) or NORMAL (opt-in,
for throwaway runs: an OS crash may lose acknowledged calls; decision 0012)."""
DEFAULT_DB: Final = Path(".orderflow") / "orderflow.db"


def storage_location(db: str | Path | None = None) -> StorageLocation:
    """Where the state is: ``db`` if given (a path or a URL, see ``storage``), else
    $ORDERFLOW_DB, else ./.orderflow/orderflow.db."""
    if db:
        return parse_storage_url(db)
    from_environment = os.environ.get(DB_ENVIRONMENT)
    return parse_storage_url(from_environment) if from_environment else StorageLocation(DEFAULT_DB)


def database_path(db: str | Path | None = None) -> Path:
    """The database file (see ``storage_location``); ``StorageUrlError`` for memory."""
    path = storage_location(db).path
    if path is None:
        raise StorageUrlError(
            "memory: lives in one process only; this needs a database file (a path or "
            "sqlite:///FILE) that every process can open."
        )
    return path


def synchronous_level(synchronous: str | None = None) -> str:
    """``synchronous`` if given, else $ORDERFLOW_SYNCHRONOUS, else FULL."""
    return synchronous or os.environ.get(SYNCHRONOUS_ENVIRONMENT) or DEFAULT_SYNCHRONOUS


def open_engine(
    db: str | Path | None = None,
    *,
    synchronous: str | None = None,
    scope: AwsScope | None = None,
    writer_turns: bool = False,
    clock: Clock | None = None,
) -> Engine:
    """The embedded engine on its SQLite file (close it with ``engine.store.close()``).

    ``synchronous`` (or $ORDERFLOW_SYNCHRONOUS): FULL (default) syncs every commit before
    the call returns, surviving power loss; NORMAL survives any process crash only (see
    adapters.sqlite.connection).
    ``writer_turns``: queue for the write lock in the kernel (adapters.sqlite.turns), for
    processes whose transactions hold it long, as the order system's do.
    """
    location = storage_location(db)
    if location.postgres_url is not None:
        from orderflow.adapters.postgres import (  # noqa: PLC0415 (psycopg only when asked)
            DatabaseClock,
            PostgresStore,
        )

        server = PostgresStore(location.postgres_url)
        try:
            return Engine(server, clock or DatabaseClock(server), scope)
        except BaseException:
            server.close()
            raise
    store = SqliteStore(
        database_path(db), synchronous=synchronous_level(synchronous), writer_turns=writer_turns
    )
    return Engine(store, clock or SystemClock(), scope)
