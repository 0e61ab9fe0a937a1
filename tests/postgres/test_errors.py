"""What a store says when it cannot be used: one line, naming the database with its
password masked, and what to do; and a conflict a caller may retry, told apart."""

from __future__ import annotations

import threading

import psycopg
import pytest

from orderflow.adapters.postgres import PostgresStore
from orderflow.adapters.postgres.urls import masked
from orderflow.eventbus.errors import StoreError, TransactionConflict
from orderflow.eventbus.model.queues import NewMessage, QueueRecord
from tests.postgres.urls import PASSWORD, closed_port, with_options, with_password
from tests.support.postgres import PostgresServer, url_of

pytestmark = pytest.mark.postgres


def refusal(url: str) -> str:
    with pytest.raises(StoreError) as refused:
        PostgresStore(url)
    message = str(refused.value)
    assert "\n" not in message
    assert PASSWORD not in message
    assert refused.value.__cause__ is not None  # translated from psycopg's error
    return message


def test_a_server_that_is_down_is_named_with_the_password_masked() -> None:
    port = closed_port()
    message = refusal(f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/orders")
    assert message.startswith(
        f"PostgreSQL is not reachable at postgresql://postgres:***@127.0.0.1:{port}/orders ("
    )
    assert "Connection refused" in message
    assert "is the server running" in message


def test_a_database_that_does_not_exist(postgres_server: PostgresServer) -> None:
    url = with_password(url_of(postgres_server.url, "orderflow_no_such_database"))
    message = refusal(url)
    assert message.startswith(f"The database of {masked(url)} does not exist (")
    assert '"orderflow_no_such_database" does not exist' in message
    assert "create it (createdb)" in message


def test_a_login_refused(postgres_server: PostgresServer) -> None:
    url = with_password(postgres_server.url).replace("postgres:", "orderflow_nobody:", 1)
    message = refusal(url)
    assert message.startswith(f"PostgreSQL refused the login to {masked(url)} (")
    assert "orderflow_nobody" in message


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://postgres:{PASSWORD}@[::1/orders",  # libpq quotes this one whole
        f"postgresql://postgres:{PASSWORD}@127.0.0.1:port/orders",
        f"postgresql://postgres:{PASSWORD}@127.0.0.1/orders?colour=blue",
        f"postgresql://postgres:{PASSWORD}@127.0.0.1/orders?connect_timeout=soon",
    ],
)
def test_a_url_that_does_not_parse(url: str) -> None:
    message = refusal(url)
    assert message.startswith(f"{masked(url)} is not a PostgreSQL URL orderflow can use (")
    assert "postgresql://postgres:***@" in message
    assert message.endswith("write it as postgresql://USER@HOST[:PORT]/DATABASE.")


def test_a_reader_refuses_writes(postgres_url: str) -> None:
    store = PostgresStore(with_password(postgres_url))
    try:
        read_only = r"a reader\(\) is a read-only snapshot"
        with pytest.raises(StoreError, match=read_only), store.reader() as tx:
            tx.save_queue(QueueRecord("orders", {}, 1, 1))
    finally:
        store.close()


def test_a_lost_connection_fails_its_transaction_and_the_next_one_gets_another(
    postgres_url: str,
) -> None:
    store = PostgresStore(postgres_url)
    try:
        with store.transaction() as tx:
            tx.save_queue(QueueRecord("orders", {}, 1, 1))
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                "current_database() AND pid <> pg_backend_pid() AND query NOT LIKE 'LISTEN%'"
            )
        with pytest.raises(StoreError) as failed, store.transaction() as tx:
            tx.get_queue("orders")
        assert "\n" not in str(failed.value)
        assert str(failed.value).startswith(f"The PostgreSQL database {postgres_url} failed (")
        with store.reader() as tx:  # the pool opened a new connection
            assert tx.get_queue("orders") is not None
    finally:
        store.close()


def test_a_deadlock_is_a_conflict_the_caller_may_retry(postgres_url: str) -> None:
    url = with_options(postgres_url, "-c deadlock_timeout=50ms")
    first, second = PostgresStore(url), PostgresStore(url)
    try:
        with first.transaction() as tx:
            tx.save_queue(QueueRecord("orders", {}, 1, 1))
            tx.add_messages([NewMessage("orders", f"m{n}", "b", 1, 1) for n in range(2)])
            one, two = (m.seq for m in tx.oldest_messages("orders", 2))
        both_hold = threading.Barrier(2)
        outcomes: dict[str, BaseException | None] = {}

        def lock(store: PostgresStore, name: str, mine: int, theirs: int) -> None:
            try:
                with store.transaction() as tx:
                    tx.message(mine)  # FOR UPDATE
                    both_hold.wait()
                    tx.message(theirs)
                outcomes[name] = None
            except StoreError as exc:
                outcomes[name] = exc

        threads = [
            threading.Thread(target=lock, args=(first, "a", one, two)),
            threading.Thread(target=lock, args=(second, "b", two, one)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        conflicts = [e for e in outcomes.values() if isinstance(e, TransactionConflict)]
        assert len(conflicts) == 1, outcomes
        assert sorted(outcomes.values(), key=lambda e: e is not None)[0] is None
        assert "run the transaction again" in str(conflicts[0])
        assert "deadlock detected" in str(conflicts[0])
    finally:
        first.close()
        second.close()


def test_a_closed_store_says_so(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    store.close()
    with pytest.raises(StoreError, match="is closed"), store.reader():
        pass
