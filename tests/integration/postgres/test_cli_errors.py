"""The command line on a PostgreSQL URL it cannot use: one line naming the URL (its
password masked), exit status 2, and nothing created or changed."""

from __future__ import annotations

import psycopg
import pytest

from orderflow.entrypoints.system.ports import free_port
from tests.integration.system.commands import orderflow
from tests.support.postgres import PostgresServer, url_of

pytestmark = pytest.mark.postgres


def _refused(url: str, *command: str) -> str:
    done = orderflow("--db", url, *command, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return " ".join(done.stderr.split())  # rich wraps long lines


@pytest.mark.parametrize("command", [("queues",), ("trace", "ord-1"), ("worker", "inventory")])
def test_a_server_that_is_down_is_named_with_its_password_masked(command: tuple[str, ...]) -> None:
    url = f"postgresql://shop:s3cr3t@127.0.0.1:{free_port()}/orders"
    said = _refused(url, *command)
    assert "s3cr3t" not in said
    assert "postgresql://shop:***@127.0.0.1" in said


def test_a_database_that_does_not_exist_is_refused(postgres_server: PostgresServer) -> None:
    said = _refused(url_of(postgres_server.url, "orderflow_no_such_database"), "queues")
    assert "orderflow_no_such_database" in said


def test_a_login_the_server_refuses_is_refused(postgres_server: PostgresServer) -> None:
    url = url_of(postgres_server.url, "postgres").replace("postgres@", "orderflow_nobody@", 1)
    said = _refused(url, "queues")
    assert "orderflow_nobody" in said


def test_another_programs_database_is_left_as_it_is(empty_database: str) -> None:
    with psycopg.connect(empty_database, autocommit=True) as connection:
        connection.execute("CREATE TABLE customers (id int PRIMARY KEY)")
    said = _refused(empty_database, "queues")
    assert "customers" in said or "another program" in said or "not an orderflow" in said, said
    with psycopg.connect(empty_database, autocommit=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
    assert tables == ["customers"]
