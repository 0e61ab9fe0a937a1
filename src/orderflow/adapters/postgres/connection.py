"""Connections to the store's database: opened with the engine's settings, their failures
told in the engine's words (``errors``)."""

from __future__ import annotations

from typing import Any, Final

import psycopg
from psycopg.conninfo import conninfo_to_dict

from orderflow.adapters.postgres.errors import opening_error

Connection = psycopg.Connection[tuple[Any, ...]]

CONNECT_TIMEOUT_S: Final = 10
"""How long opening a connection may take unless the URL says (``connect_timeout``)."""


def connect_timeout(url: str) -> int:
    """The URL's ``connect_timeout``, else ``CONNECT_TIMEOUT_S`` (``StoreError`` if the URL
    does not parse)."""
    try:
        given = conninfo_to_dict(url).get("connect_timeout")
        return CONNECT_TIMEOUT_S if given is None else int(given)
    except psycopg.Error as exc:
        raise opening_error(exc, url) from exc
    except ValueError as exc:
        raise opening_error(psycopg.ProgrammingError(f"connect_timeout: {exc}"), url) from exc


def connect(url: str) -> Connection:
    """A new connection to ``url`` in autocommit mode (``StoreError`` if it cannot open)."""
    timeout = connect_timeout(url)
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=timeout)
    except psycopg.Error as exc:
        raise opening_error(exc, url) from exc
