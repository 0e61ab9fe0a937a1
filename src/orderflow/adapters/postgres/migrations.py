"""The schema, created and upgraded by the program: numbered SQL files, applied in order.

``migrations/NNNN_name.sql`` (package data) are the steps; ``orderflow_schema_version``
keeps one row per step applied. ``migrate`` brings a database to the newest step, in one
transaction under a transaction-scoped advisory lock, so that processes starting at once
take turns: the first applies what is missing, the others find it done. It refuses,
changing nothing, a database whose schema is newer than this program's (upgrade
orderflow) and one that holds tables but no version table (another program's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Final

import psycopg

from orderflow.adapters.postgres.urls import masked
from orderflow.eventbus.errors import StoreError

Connection = psycopg.Connection[tuple[Any, ...]]

VERSION_TABLE: Final = "orderflow_schema_version"
LOCK_KEY: Final = 0x6F726465_72666C6F  # "orderflo": the advisory lock migrations take turns on
_FILE: Final = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@cache
def migrations() -> tuple[Migration, ...]:
    """Every step shipped with the program, in order (versions 1, 2, ... without gaps)."""
    found = []
    for entry in files("orderflow.adapters.postgres").joinpath("migrations").iterdir():
        matched = _FILE.match(entry.name)
        if matched:
            found.append(Migration(int(matched[1]), matched[2], entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"orderflow's migrations are not numbered 1, 2, ...: {found}")
    return tuple(found)


def latest() -> int:
    return migrations()[-1].version


def schema_version(connection: Connection) -> int | None:
    """The version of the schema in the connection's database; None if it has none."""
    # pg_tables, not to_regclass(): a name lookup may answer from this backend's catalog
    # cache, stale after waiting on an advisory lock for the migrator that created it.
    exists = connection.execute(
        "SELECT EXISTS (SELECT FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename = %s)",
        (VERSION_TABLE,),
    )
    if not _value(exists.fetchone()):
        return None
    row = connection.execute(f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}")
    return int(_value(row.fetchone()))


def migrate(connection: Connection, url: str, *, up_to: int | None = None) -> int:
    """Apply the missing steps (up to ``up_to``, else every one); the version reached.
    ``connection`` is in autocommit mode; ``url`` names the database in errors."""
    target = latest() if up_to is None else up_to
    current = schema_version(connection)
    _refuse_newer(current, url)
    if current is not None and current >= target:
        return current
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        current = schema_version(connection)  # again, in turn: another may have done it
        _refuse_newer(current, url)
        if current is None:
            _refuse_foreign_tables(connection, url)
            connection.execute(
                f"CREATE TABLE {VERSION_TABLE} (version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
            )
            current = 0
        for step in migrations()[current:target]:
            connection.execute(step.sql.encode())  # bytes, no parameters: many statements
            connection.execute(
                f"INSERT INTO {VERSION_TABLE} (version, name) VALUES (%s, %s)",
                (step.version, step.name),
            )
        return max(current, target)


def _value(row: tuple[Any, ...] | None) -> Any:
    """The first column of a row a query always returns."""
    assert row is not None
    return row[0]


def _refuse_newer(current: int | None, url: str) -> None:
    if current is not None and current > latest():
        raise StoreError(
            f"The database {masked(url)} was written by a newer orderflow (schema {current}); "
            f"this one knows schema {latest()}. Upgrade orderflow."
        )


def _refuse_foreign_tables(connection: Connection, url: str) -> None:
    row = connection.execute(
        "SELECT string_agg(tablename::text, ', ' ORDER BY tablename) FROM pg_tables "
        "WHERE schemaname = current_schema()"
    ).fetchone()
    tables = _value(row)
    if tables:
        raise StoreError(
            f"The database {masked(url)} holds another program's tables ({tables}) and no "
            f"{VERSION_TABLE}: orderflow changed nothing. Name an empty database (or schema) "
            "in the URL."
        )
