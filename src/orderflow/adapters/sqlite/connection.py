"""Opening the engine's SQLite file: pragmas, schema, and errors that say what to do.

Durability: the database runs in WAL mode with ``synchronous=FULL`` by default: every
commit fsyncs the WAL before the call that made it is answered, so what was acknowledged
survives power loss and OS crashes, not only the death of a process. The writers of a
process share those fsyncs (``group_commit``). ``synchronous=NORMAL`` (an explicit
opt-in, for throwaway runs: ``ORDERFLOW_SYNCHRONOUS=NORMAL``) syncs only at checkpoints: a
committed transaction still survives the death of any process (SIGKILL included), but an
OS crash or power loss can lose the last ones, answered or not (decision 0012; figures
in docs/benchmarks.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

from orderflow.adapters.sqlite.schema import SCHEMA, SCHEMA_VERSION, UPGRADES
from orderflow.eventbus.errors import DiskFull, StoreError

SYNCHRONOUS_LEVELS: Final = ("OFF", "NORMAL", "FULL", "EXTRA")
DEFAULT_SYNCHRONOUS: Final = "FULL"
BUSY_TIMEOUT_MS: Final = 10_000


def translate(error: sqlite3.Error, path: Path) -> StoreError:
    """A clear, actionable error for what SQLite reported."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StoreError(
            f"The database {path} stayed locked by another process for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s. Is a long operation running on it? Retry, or stop "
            "the process holding it."
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"The database {path} is read-only. orderflow needs to write to it and to the "
            "-wal/-shm files beside it: check the permissions of the file and its folder."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"The file {path} is not an orderflow database, or it is corrupt ({error}). Point "
            "--db / ORDERFLOW_DB at another file, or move this one away to start afresh."
        )
    if "unable to open" in text:
        return StoreError(
            f"Cannot open the database {path}: check that its folder exists and is writable."
        )
    if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in text:
        return DiskFull(
            f"The database {path} could not grow: database or disk is full. Nothing of "
            "this call was written; free space on the disk holding it, then retry."
        )
    return StoreError(f"The database {path} failed: {error}")


def open_connection(path: Path, synchronous: str) -> sqlite3.Connection:
    """A connection to ``path`` with the engine's pragmas, the schema in place."""
    if synchronous.upper() not in SYNCHRONOUS_LEVELS:
        raise StoreError(
            f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}, not {synchronous!r}."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Cannot create the folder for the database {path}: {exc}") from exc
    try:
        connection = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"The database {path} cannot use WAL mode (it reports {mode}).")
        connection.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        _migrate(connection)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    return connection


def _migrate(connection: sqlite3.Connection) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"This database was written by a newer orderflow (schema {version}); this one "
            f"knows schema {SCHEMA_VERSION}. Upgrade orderflow."
        )
    connection.execute("BEGIN IMMEDIATE")
    try:
        current = connection.execute("PRAGMA user_version").fetchone()[0]
        # Checked under the write lock: another process may be creating the schema now.
        if current == 0:
            _refuse_foreign_tables(connection)
        if current < SCHEMA_VERSION:
            for version in range(current + 1, SCHEMA_VERSION + 1) if current else ():
                for statement in UPGRADES.get(version, ()):
                    connection.execute(statement)
            for statement in SCHEMA:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _refuse_foreign_tables(connection: sqlite3.Connection) -> None:
    """A file with tables but no orderflow schema version belongs to another application."""
    if connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
        raise sqlite3.DatabaseError("file is not a database: it holds another application's tables")
