"""A read command given a database that is not there (a typo in --db) refuses it: one
line naming the path, exit 2, and nothing created. Commands that create keep creating."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.system.commands import orderflow

READERS = [
    ["queues"],
    ["dlq", "show", "orders-queue"],
    ["dlq", "redrive", "orders-queue"],
    ["trace", "some-order"],
    ["report"],
    ["inventory"],
    ["mail"],
    ["mail", "outbox"],
    ["prune", "--older-than", "7d", "--dry-run"],
    ["sqs", "list-queues"],
    ["sqs", "get-queue-url", "--queue-name", "orders-queue"],
    ["sqs", "receive-message", "--queue-url", "orders-queue"],
    ["events", "list-rules"],
    ["events", "list-event-buses"],
    ["events", "describe-event-bus"],
]


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_read_command_refuses_a_missing_database_and_creates_nothing(
    tmp_path: Path, args: list[str]
) -> None:
    db = tmp_path / "typo" / "orderflow.db"
    done = orderflow(*args, db=db)  # at 200 columns, the line is longer
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: there is no orderflow database at {db}. Start the system there (orderflow "
        "up), or point --db / ORDERFLOW_DB at the one it runs on."
    ]
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_command_that_creates_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new" / "orderflow.db"
    done = orderflow("sqs", "create-queue", "--queue-name", "q", db=db)
    assert done.returncode == 0, done.stderr
    assert db.exists()
    listed = orderflow("sqs", "list-queues", db=db)
    assert listed.returncode == 0, listed.stderr
    assert "/q" in listed.stdout
