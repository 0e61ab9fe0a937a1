"""The composition root: the one place that picks and wires concrete adapters.

Everything above (CLI, HTTP API, workers) asks this module for an engine instead
of naming an adapter itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from orderflow.adapters.sqlite import SqliteStore
from orderflow.eventbus.clock import SystemClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.names import AwsScope

DB_ENVIRONMENT: Final = "ORDERFLOW_DB"
SYNCHRONOUS_ENVIRONMENT: Final = "ORDERFLOW_SYNCHRONOUS"
DEFAULT_DB: Final = Path(".orderflow") / "orderflow.db"


def database_path(db: str | Path | None = None) -> Path:
    """The database file: ``db`` if given, else $ORDERFLOW_DB, else ./.orderflow/orderflow.db."""
    if db:
        return Path(db)
    from_environment = os.environ.get(DB_ENVIRONMENT)
    return Path(from_environment) if from_environment else DEFAULT_DB


def open_engine(
    db: str | Path | None = None,
    *,
    synchronous: str | None = None,
    scope: AwsScope | None = None,
    writer_turns: bool = False,
) -> Engine:
    """The embedded engine on its SQLite file (close it with ``engine.store.close()``).

    ``synchronous`` (or $ORDERFLOW_SYNCHRONOUS): NORMAL (default) survives any process
    crash; FULL also survives power loss (see adapters.sqlite.connection).
    ``writer_turns``: queue for the write lock in the kernel (adapters.sqlite.turns), for
    processes whose transactions hold it long, as the order system's do.
    """
    level = synchronous or os.environ.get(SYNCHRONOUS_ENVIRONMENT) or "NORMAL"
    store = SqliteStore(database_path(db), synchronous=level, writer_turns=writer_turns)
    return Engine(store, SystemClock(), scope)
