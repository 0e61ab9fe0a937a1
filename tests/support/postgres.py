"""PostgreSQL for the tests: a database of the session's own on a real server.

The server is ``$ORDERFLOW_TEST_PG`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``,
any database on it: the tests only create and drop their own there). The session creates
``orderflow_test_<random>``, migrated once, and drops it at the end (``WITH (FORCE)``:
connections a test left open are terminated first). Each test that asks for
``postgres_url`` gets it clean: every orderflow table emptied and re-seeded (see ``clean``).
``empty_database`` is a fresh database with no schema at all (migration tests).
``postgres_system(url)`` is the embedded order system on one.

When the server is unreachable, the tests that need it are skipped, in one line saying
why, unless ``ORDERFLOW_REQUIRE_PG=1`` (CI), which fails them instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, NoReturn
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from orderflow.adapters.postgres import PostgresStore
from orderflow.adapters.postgres.errors import one_line
from orderflow.adapters.postgres.migrations import VERSION_TABLE
from orderflow.adapters.postgres.urls import masked
from orderflow.bootstrap.system import System, open_system

SERVER_ENVIRONMENT: Final = "ORDERFLOW_TEST_PG"
REQUIRE_ENVIRONMENT: Final = "ORDERFLOW_REQUIRE_PG"
DEFAULT_SERVER: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
PREFIX: Final = "orderflow_test_"
SEEDS: Final = ("INSERT INTO meta (key, value) VALUES ('topology_version', 0)",)
"""What the migrations put in the tables they create (put back after each truncation)."""


def server_url() -> str:
    return os.environ.get(SERVER_ENVIRONMENT) or DEFAULT_SERVER


def url_of(server: str, database: str) -> str:
    """``server``'s URL naming ``database`` instead."""
    return urlsplit(server)._replace(path=f"/{database}").geturl()


@dataclass
class PostgresServer:
    """The server the tests run against, and the databases they made on it."""

    url: str
    made: list[str] = field(default_factory=list)

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=5)

    def create_database(self) -> str:
        """A new, empty database's URL (dropped at the end of the session, or by ``drop``)."""
        name = f"{PREFIX}{secrets.token_hex(6)}"
        with self.admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.made.append(name)
        return url_of(self.url, name)

    def drop(self, url: str) -> None:
        """Drop a database this session made, ending the connections still on it."""
        name = urlsplit(url).path.lstrip("/")
        with self.admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if name in self.made:
            self.made.remove(name)


def unreachable(url: str, error: BaseException) -> NoReturn:
    """Skip (or, when PostgreSQL is required, fail) the test: the server cannot be used."""
    reason = f"PostgreSQL not reachable at {masked(url)}: {one_line(str(error))}"
    if os.environ.get(REQUIRE_ENVIRONMENT) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENVIRONMENT}=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    url = server_url()
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        unreachable(url, exc)
    server = PostgresServer(url)
    yield server
    for name in list(server.made):
        server.drop(url_of(url, name))


@pytest.fixture(scope="session")
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """The session's database, with orderflow's schema."""
    url = postgres_server.create_database()
    PostgresStore(url).close()  # migrates it
    yield url
    postgres_server.drop(url)


def clean(url: str) -> None:
    """Empty every orderflow table of ``url``'s database, as the migrations left them.

    ``DELETE``, not ``TRUNCATE``: on tables this small it takes a few ms where ``TRUNCATE``
    (new files for every table and index) took 60. Identities go on counting, which no
    test may rely on anyway."""
    with psycopg.connect(url, autocommit=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> %s ORDER BY tablename",
                (VERSION_TABLE,),
            ).fetchall()
        ]
        connection.execute("SET lock_timeout = '5s'")  # a test left a transaction open
        emptying = [sql.SQL("DELETE FROM {}").format(sql.Identifier(t)) for t in tables]
        seeding = [sql.SQL(seed) for seed in SEEDS]
        # One round trip: statements sent together, without parameters, run as one
        # transaction.
        connection.execute(sql.SQL("; ").join([*emptying, *seeding]).as_bytes(connection))


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The session's database, clean for this test."""
    clean(postgres_database)
    return postgres_database


@pytest.fixture
def empty_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A database of this test's own, with no tables at all."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop(url)


def postgres_system(url: str) -> System:
    """The embedded system on PostgreSQL, as ``open_system`` opens it for a PostgreSQL
    URL: the engine (on the database's clock) and the services' state on one store,
    sharing its transactions, so that the in-engine transport commits a delivery once."""
    system = open_system(url)
    assert system.embedded is not None and isinstance(system.engine.store, PostgresStore)
    return system
