"""psycopg's errors as the engine's: one line, naming the database (its password masked),
saying what to do.

    psycopg.Error (any)             -> StoreError
    SQLSTATE 40001, 40P01           -> TransactionConflict (a serialization failure or a
                                       deadlock: nothing committed, the caller may retry)
    psycopg_pool.PoolTimeout        -> StoreError (every connection busy too long)
    psycopg_pool.PoolClosed         -> StoreError (the store is closed)

Opening (``opening_error``) tells apart a URL that does not parse, a server that does not
answer, a login refused and a database that does not exist.
"""

from __future__ import annotations

from typing import Final

import psycopg
from psycopg_pool import PoolClosed, PoolTimeout

from orderflow.adapters.postgres.urls import masked, scrubbed
from orderflow.eventbus.errors import StoreError, TransactionConflict

CONFLICTS: Final = frozenset({"40001", "40P01"})
_READ_ONLY: Final = "25006"
_BAD_URL: Final = ("invalid port", "invalid integer value", "invalid uri", "invalid connection")
_LOGIN: Final = (
    "password authentication failed",
    "authentication failed",
    "no password supplied",
    "pg_hba.conf",
    "role ",
)
_UNREACHABLE: Final = (
    "connection refused",
    "could not connect",
    "failed to resolve host",
    "could not translate host name",
    "timeout expired",
    "no route to host",
    "network is unreachable",
    "no such file or directory",
    "server closed the connection",
)


def one_line(text: str) -> str:
    """A driver message on one line, without libpq's preambles ("connection failed:", the
    address before a server's own FATAL message) and its "Is the server running" hint."""
    line = " ".join(text.split())
    for preamble in ("connection failed: ", "connection is bad: "):
        line = line.removeprefix(preamble)
    line = line.split(" Is the server running", 1)[0]
    if " failed: FATAL: " in line:  # the server answered: its words are the reason
        line = line.split(" failed: FATAL: ", 1)[1]
    return line.rstrip(".?")


def reason(error: BaseException, url: str) -> str:
    return scrubbed(one_line(str(error)), url) or type(error).__name__


def opening_error(error: psycopg.Error, url: str) -> StoreError:
    """Why ``url`` could not be opened, and what to do."""
    shown, why = masked(url), reason(error, url)
    text = why.lower()
    if isinstance(error, psycopg.ProgrammingError) or any(m in text for m in _BAD_URL):
        return StoreError(
            f"{shown} is not a PostgreSQL URL orderflow can use ({why}): write it as "
            "postgresql://USER@HOST[:PORT]/DATABASE."
        )
    if "database" in text and "does not exist" in text:
        return StoreError(
            f"The database of {shown} does not exist ({why}): create it (createdb), or name "
            "another one in the URL."
        )
    if any(m in text for m in _LOGIN):
        return StoreError(
            f"PostgreSQL refused the login to {shown} ({why}): check the user, and the "
            "password in $PGPASSWORD or ~/.pgpass."
        )
    if any(m in text for m in _UNREACHABLE):
        return StoreError(
            f"PostgreSQL is not reachable at {shown} ({why}): is the server running, on that "
            "host and port?"
        )
    return StoreError(f"Cannot open the PostgreSQL database {shown}: {why}")


def translate(error: Exception, url: str) -> StoreError:
    """The engine's error for what psycopg (or its pool) raised on an open store."""
    shown, why = masked(url), reason(error, url)
    if isinstance(error, PoolClosed):
        return StoreError(f"The store on {shown} is closed.")
    if isinstance(error, PoolTimeout):
        return StoreError(
            f"No connection to {shown} came free in time ({why}): the server is unreachable, "
            "or every connection of the pool is busy; retry, or give the store more."
        )
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate in CONFLICTS:
        return TransactionConflict(
            f"A concurrent transaction on {shown} won ({why}): nothing was committed; run "
            "the transaction again."
        )
    if sqlstate == _READ_ONLY:
        return StoreError(
            f"{shown} refused a write ({why}): a reader() is a read-only snapshot, write "
            "inside transaction()."
        )
    if isinstance(error, psycopg.OperationalError):
        return StoreError(
            f"The PostgreSQL database {shown} failed ({why}): is the server still running? "
            "The transaction was rolled back, or its commit was not confirmed."
        )
    return StoreError(f"The PostgreSQL database {shown} failed: {why}")
