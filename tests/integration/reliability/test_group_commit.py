"""Group commit on a real SQLite file (``adapters.sqlite.group_commit``): writers that
wait while another holds the connection share its commit; a member's own error undoes
its work alone; a read commits the open group first. Commits are counted with SQLite's
statement trace on the store's connection."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orderflow.adapters.sqlite import SqliteStore

WRITERS = 4


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    made = SqliteStore(tmp_path / "group.db", writer_turns=True)
    with made.transaction() as tx:
        tx.connection.execute("CREATE TABLE scratch (name TEXT PRIMARY KEY)")
    yield made
    made.close()


def commits_of(store: SqliteStore) -> list[str]:
    seen: list[str] = []
    store._db.set_trace_callback(
        lambda statement: seen.append(statement) if statement == "COMMIT" else None
    )
    return seen


def names(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {name for (name,) in connection.execute("SELECT name FROM scratch")}


def write(store: SqliteStore, name: str, fail: bool = False) -> None:
    with store.transaction() as tx:
        tx.connection.execute("INSERT INTO scratch (name) VALUES (?)", (name,))
        if fail:
            raise ValueError(f"{name} refused")


def crowd(
    store: SqliteStore, others: list[Callable[[], None]], writers: int
) -> dict[int, BaseException | None]:
    """A first writer holds the connection until ``writers`` of the ``others`` wait for
    it (and the rest had 0.1 s to), then lets go; each one's outcome, the first's at 0."""
    outcomes: dict[int, BaseException | None] = {}

    def run(index: int, call: Callable[[], None]) -> None:
        try:
            call()
            outcomes[index] = None
        except BaseException as error:
            outcomes[index] = error

    release = threading.Event()

    def holding() -> None:
        with store.transaction() as tx:
            tx.connection.execute("INSERT INTO scratch (name) VALUES ('first')")
            release.wait(5)

    threads = [threading.Thread(target=run, args=(0, holding))]
    threads[0].start()
    time.sleep(0.05)
    threads += [threading.Thread(target=run, args=(i + 1, c)) for i, c in enumerate(others)]
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 5
    while store._groups._waiting < writers and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    release.set()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_writers_waiting_for_the_connection_share_one_commit(store: SqliteStore) -> None:
    commits = commits_of(store)
    outcomes = crowd(store, [lambda i=i: write(store, f"w{i}") for i in range(WRITERS)], WRITERS)
    assert outcomes == dict.fromkeys(range(WRITERS + 1))
    assert names(store.path) == {"first", *(f"w{i}" for i in range(WRITERS))}
    assert len(commits) == 1, commits


def test_a_member_that_fails_undoes_only_its_own_work(store: SqliteStore) -> None:
    commits = commits_of(store)
    outcomes = crowd(
        store, [lambda i=i: write(store, f"w{i}", fail=i == 1) for i in range(WRITERS)], WRITERS
    )
    assert isinstance(outcomes[2], ValueError)
    assert [index for index, error in outcomes.items() if error is not None] == [2]
    assert names(store.path) == {"first", "w0", "w2", "w3"}
    assert len(commits) == 1, commits


def test_a_read_beside_an_open_group_sees_only_what_is_committed(store: SqliteStore) -> None:
    seen: list[int] = []

    def read() -> None:
        with store.reader() as tx:
            seen.append(tx.connection.execute("SELECT COUNT(*) FROM scratch").fetchone()[0])

    # The first writer leaves its group open for w0; the read, if it gets the connection
    # before w0, commits the group first (else w0 commits it): either way it reads rows
    # that are committed, and nobody waits for ever.
    outcomes = crowd(store, [read, lambda: write(store, "w0")], 1)
    assert outcomes == {0: None, 1: None, 2: None}
    assert seen in ([1], [2])
    assert names(store.path) == {"first", "w0"}


def test_alone_a_writer_commits_at_once(store: SqliteStore) -> None:
    commits = commits_of(store)
    for i in range(3):
        write(store, f"w{i}")
        assert len(commits) == i + 1
    with pytest.raises(ValueError, match="refused"):
        write(store, "bad", fail=True)
    assert names(store.path) == {"w0", "w1", "w2"}
