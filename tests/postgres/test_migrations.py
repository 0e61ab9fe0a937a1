"""The schema is the program's: created on a fresh database, upgraded from an older one,
and never touched when the database is newer than the program or another program's."""

from __future__ import annotations

import threading
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import psycopg
import pytest

import orderflow
from orderflow.adapters.postgres import PostgresStore
from orderflow.adapters.postgres.migrations import VERSION_TABLE, latest, migrate, migrations
from orderflow.eventbus.errors import StoreError
from orderflow.eventbus.model.queues import QueueCounts, QueueRecord
from tests.postgres.urls import PASSWORD, with_password


def tables(url: str) -> list[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    return [row[0] for row in rows]


def versions(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(f"SELECT version, name FROM {VERSION_TABLE} ORDER BY version")
        return [(row[0], row[1]) for row in rows.fetchall()]


def test_the_migration_files_are_numbered_one_by_one_from_1() -> None:
    steps = migrations()
    assert [step.version for step in steps] == list(range(1, len(steps) + 1))
    assert [step.name for step in steps[:4]] == ["engine", "services", "many_workers", "fifo"]
    assert latest() == steps[-1].version
    assert all(step.sql.strip() for step in steps)


@pytest.mark.postgres
def test_a_fresh_database_gets_every_migration(empty_database: str) -> None:
    PostgresStore(empty_database).close()
    assert versions(empty_database) == [(step.version, step.name) for step in migrations()]
    assert {"queues", "messages", "rules", "svc_documents", "svc_outbox"} <= set(
        tables(empty_database)
    )
    PostgresStore(empty_database).close()  # opening again changes nothing
    assert len(versions(empty_database)) == latest()


@pytest.mark.postgres
def test_an_older_database_is_upgraded_when_opened_and_keeps_its_records(
    empty_database: str,
) -> None:
    with psycopg.connect(empty_database, autocommit=True) as connection:
        assert migrate(connection, empty_database, up_to=1) == 1
        connection.execute(
            "INSERT INTO queues (name, attributes, tags, created_ms, modified_ms) "
            """VALUES ('orders', '{"VisibilityTimeout": "30"}', '{}', 1, 2)"""
        )
        connection.execute(
            "INSERT INTO messages (queue, message_id, body, attributes, sent_ms, "
            "visible_at_ms, receive_count) VALUES ('orders', 'm-1', 'b', '', 1, 1, 0)"
        )
    assert versions(empty_database) == [(1, "engine")]
    assert "svc_documents" not in tables(empty_database)
    store = PostgresStore(empty_database)
    try:
        with store.reader() as tx:
            assert tx.get_queue("orders") == QueueRecord(
                "orders", {"VisibilityTimeout": "30"}, 1, 2
            )
            assert tx.counts("orders", 10) == QueueCounts(1, 0, 0, 1)  # counted by step 5
    finally:
        store.close()
    assert versions(empty_database) == [
        (1, "engine"),
        (2, "services"),
        (3, "many_workers"),
        (4, "fifo"),
        (5, "observability"),
    ]
    assert {"svc_documents", "deduplications"} <= set(tables(empty_database))


@pytest.mark.postgres
def test_a_database_of_a_newer_orderflow_is_refused_and_left_as_it_is(empty_database: str) -> None:
    PostgresStore(empty_database).close()
    with psycopg.connect(empty_database, autocommit=True) as connection:
        connection.execute(
            f"INSERT INTO {VERSION_TABLE} (version, name) VALUES (%s, 'future')", (latest() + 1,)
        )
    before = (tables(empty_database), versions(empty_database))
    url = with_password(empty_database)
    with pytest.raises(StoreError) as refused:
        PostgresStore(url)
    message = str(refused.value)
    assert f"newer orderflow (schema {latest() + 1})" in message
    assert "Upgrade orderflow" in message
    assert with_password(empty_database, "***") in message
    assert PASSWORD not in message
    assert (tables(empty_database), versions(empty_database)) == before


@pytest.mark.postgres
def test_another_programs_database_is_refused_and_left_as_it_is(empty_database: str) -> None:
    with psycopg.connect(empty_database, autocommit=True) as connection:
        connection.execute("CREATE TABLE customers (id integer PRIMARY KEY)")
        connection.execute("INSERT INTO customers VALUES (1)")
    url = with_password(empty_database)
    with pytest.raises(StoreError) as refused:
        PostgresStore(url)
    message = str(refused.value)
    assert "another program's tables (customers)" in message
    assert "changed nothing" in message
    assert with_password(empty_database, "***") in message
    assert PASSWORD not in message
    assert tables(empty_database) == ["customers"]


@pytest.mark.postgres
def test_processes_opening_a_fresh_database_at_once_migrate_it_once(empty_database: str) -> None:
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            PostgresStore(empty_database).close()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert versions(empty_database) == [(step.version, step.name) for step in migrations()]


def test_the_migration_files_ship_as_package_data() -> None:
    """The package the tests import (installed, under ``make test``) holds every migration,
    and pyproject's package data names them (a wheel built from it ships them)."""
    package = Path(orderflow.__file__).parent
    shipped = sorted(
        path.relative_to(package).as_posix()
        for path in (package / "adapters" / "postgres" / "migrations").glob("*.sql")
    )
    assert len(shipped) == len(migrations())
    with (Path(__file__).resolve().parents[2] / "pyproject.toml").open("rb") as file:
        globs = tomllib.load(file)["tool"]["setuptools"]["package-data"]["orderflow"]
    assert all(any(fnmatch(path, glob) for glob in globs) for path in shipped)
