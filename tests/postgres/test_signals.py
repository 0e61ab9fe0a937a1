"""Long polling across processes and hosts: a commit's NOTIFY wakes a receiver on another
store at once (rather than at its next look, a second later)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from orderflow.adapters.postgres import PostgresStore
from orderflow.adapters.postgres.signals import EVERY_QUEUE, channel
from orderflow.eventbus.clock import SystemClock
from orderflow.eventbus.model.queues import NewMessage, QueueRecord
from orderflow.eventbus.queues import Queues, ReceivedMessage

pytestmark = pytest.mark.postgres


@pytest.fixture
def stores(postgres_url: str) -> Iterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one database, as two hosts have."""
    here, there = PostgresStore(postgres_url), PostgresStore(postgres_url)
    yield here, there
    here.close()
    there.close()


def wait_until(condition: object, timeout_s: float = 5) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.005)


def test_a_long_poll_is_woken_by_a_send_through_another_store(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    sender, receiver = (Queues(store, SystemClock()) for store in stores)
    sender.create_queue("orders")
    got: list[ReceivedMessage] = []
    received_at: list[float] = []

    def poll() -> None:
        got.extend(receiver.receive_message("orders", wait_time_seconds=10))
        received_at.append(time.monotonic())

    polling = threading.Thread(target=poll)
    polling.start()
    time.sleep(0.3)  # the receiver is waiting: its first look found nothing
    sender.send_message("orders", "hello")
    sent_at = time.monotonic()
    polling.join()
    assert [message.body for message in got] == ["hello"]
    assert received_at[0] - sent_at < 0.1  # the poll's own next look was a second away


def test_a_commit_signals_its_queues_on_every_store_and_a_rollback_none(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    here, there = stores
    with here.transaction() as tx:
        tx.save_queue(QueueRecord("orders", {}, 1, 1))
        tx.save_queue(QueueRecord("payments", {}, 1, 1))
    orders, payments = there.queue_signal("orders"), there.queue_signal("payments")
    with pytest.raises(RuntimeError), here.transaction() as tx:
        tx.add_messages([NewMessage("orders", "m0", "b", 1, 1)])
        raise RuntimeError
    there.wait_for_signal("orders", orders, 0.3)
    assert there.queue_signal("orders") == orders  # NOTIFY goes with the commit only
    with here.transaction() as tx:
        tx.add_messages([NewMessage("orders", "m1", "b", 1, 1)])
    started = time.monotonic()
    there.wait_for_signal("orders", orders, 5)
    assert time.monotonic() - started < 0.1
    assert there.queue_signal("orders") != orders
    assert there.queue_signal("payments") == payments  # only the queues given messages
    with here.transaction() as tx:
        (message,) = tx.oldest_messages("orders", 1)
        tx.set_visible_at(message.seq, 0)
    wait_until(lambda: there.queue_signal("payments") != payments)  # "*": every queue


def test_the_listener_comes_back_when_its_connection_is_lost(
    stores: tuple[PostgresStore, PostgresStore], postgres_url: str
) -> None:
    here, there = stores
    with here.transaction() as tx:
        tx.save_queue(QueueRecord("orders", {}, 1, 1))
    seen = there.queue_signal("orders")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )
    wait_until(lambda: there.queue_signal("orders") != seen)  # back: every queue rung once
    seen = there.queue_signal("orders")
    with here.transaction() as tx:
        tx.add_messages([NewMessage("orders", "m", "b", 1, 1)])
    wait_until(lambda: there.queue_signal("orders") != seen, timeout_s=1)


def listeners() -> int:
    return sum(thread.name == "orderflow-pg-listen" for thread in threading.enumerate())


def test_closing_a_store_stops_its_listener_at_once(postgres_url: str) -> None:
    before = listeners()
    store = PostgresStore(postgres_url)
    assert listeners() == before + 1
    started = time.monotonic()
    store.close()
    assert time.monotonic() - started < 0.5
    assert listeners() == before


def test_each_queue_has_a_channel_of_its_own_short_enough_for_postgresql() -> None:
    longest = "q" * 80  # SQS's longest queue name; a channel is an identifier of 63 bytes
    names = [longest, "orders", "orders.fifo", "Orders", EVERY_QUEUE]
    channels = [channel(name) for name in names]
    assert len(set(channels)) == len(names)
    assert all(len(name.encode()) <= 63 for name in channels)
    assert channel("orders") == channel("orders")  # the same on every host


def test_a_queue_first_asked_about_is_listened_to_before_the_answer(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    """The first ``queue_signal`` of a queue returns once its LISTEN is in place: a commit
    right after it wakes the waiter (no window in which a notification is lost)."""
    here, there = stores
    for n in range(5):
        queue = f"new-{n}"
        seen = there.queue_signal(queue)
        with here.transaction() as tx:
            tx.add_messages([NewMessage(queue, f"m{n}", "b", 1, 1)])
        started = time.monotonic()
        there.wait_for_signal(queue, seen, 5)
        assert time.monotonic() - started < 1, "the notification was missed"
