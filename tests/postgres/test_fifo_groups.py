"""FIFO queues with senders and receivers on many hosts of one PostgreSQL database: one
batch of a group in flight at a time, in order, even when two receivers look at once, and
one message per deduplication id, even when two senders send it at once.

Each "host" is a thread with a ``PostgresStore`` of its own (its own pool and
connections), as a process on another machine would have (``test_concurrency``).
Sources: [fifo] https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence

import pytest

from orderflow.adapters.postgres import PostgresStore
from orderflow.eventbus.clock import SystemClock
from orderflow.eventbus.model.queues import Reception, StoredMessage
from orderflow.eventbus.queues import Queues
from tests.postgres.hosts import at_once, drain

pytestmark = pytest.mark.postgres

GROUPS = 6
PER_GROUP = 12


def bodies(messages: Sequence[StoredMessage]) -> list[str]:
    return [message.body for message in messages]


def fifo_queue(store: PostgresStore) -> Queues:
    queues = Queues(store, SystemClock())
    queues.create_queue(
        "orders.fifo",
        {"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "60"},
    )
    return queues


def test_a_receiver_claiming_a_group_blocks_it_for_one_looking_at_the_same_time(
    hosts: list[PostgresStore],
) -> None:
    """The race: the first receiver has claimed g's first message and not committed yet;
    the second must take neither that message (row lock) nor g's second one (group lock),
    and, once the first has committed, still nothing of g (it is in flight)."""
    queues = fifo_queue(hosts[0])
    for body in ("g-0", "g-1", "h-0"):
        queues.send_message("orders.fifo", body, message_group_id=body[0])
    now = SystemClock().now_ms()

    def claim_on_the_second_host() -> list[str]:
        with hosts[1].transaction() as second:
            return bodies(second.claim_visible("orders.fifo", now, 10, by_group=True))

    with hosts[0].transaction() as first:
        claimed = first.claim_visible("orders.fifo", now, 1, by_group=True)
        assert bodies(claimed) == ["g-0"]
        meanwhile: list[list[str]] = []
        looking = threading.Thread(target=lambda: meanwhile.append(claim_on_the_second_host()))
        looking.start()
        looking.join(timeout=10)  # waiting for the first's rows would be a failure too
        assert meanwhile == [["h-0"]]
        first.mark_received([Reception(claimed[0].seq, now + 60_000, 1, now, "handle-1")])
    looking.join()
    assert claim_on_the_second_host() == ["h-0"]  # committed: g is in flight


def test_receivers_on_four_hosts_keep_each_group_in_order_and_one_batch_in_flight(
    hosts: list[PostgresStore],
) -> None:
    queues = fifo_queue(hosts[0])
    for n in range(PER_GROUP):  # the groups interleaved, as many producers would send
        entries = [
            {"Id": f"g{g}", "MessageBody": f"{g}-{n:02d}", "MessageGroupId": f"group-{g}"}
            for g in range(GROUPS)
        ]
        assert not queues.send_message_batch("orders.fifo", entries).failed
    guard = threading.Lock()
    holding: dict[str, int] = {}  # group -> the host that has a batch of it in hand
    overlaps: list[str] = []
    received: dict[str, list[str]] = defaultdict(list)
    done = threading.Event()

    def receive(host: int) -> int:
        mine = Queues(hosts[host], SystemClock())
        taken = 0
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            batch = mine.receive_message("orders.fifo", max_messages=3, wait_time_seconds=0)
            groups = {m.body.split("-")[0] for m in batch}
            with guard:
                for group in groups:
                    if group in holding:
                        overlaps.append(f"host {host} got {group} held by {holding[group]}")
                    holding[group] = host
                for message in batch:
                    received[message.body.split("-")[0]].append(message.body)
            time.sleep(0.002)  # hold the batch a while: an overlap would show
            with guard:  # released before the delete commits: the group is still in flight
                for group in groups:
                    holding.pop(group, None)
            if batch:
                entries = [
                    {"Id": str(n), "ReceiptHandle": m.receipt_handle} for n, m in enumerate(batch)
                ]
                assert not mine.delete_message_batch("orders.fifo", entries).failed
                taken += len(batch)
            with guard:
                if sum(len(bodies) for bodies in received.values()) == GROUPS * PER_GROUP:
                    done.set()
        return taken

    taken = at_once(receive)
    assert overlaps == []
    assert sum(taken) == GROUPS * PER_GROUP
    assert sum(1 for count in taken if count) >= 2  # the hosts shared the work
    for g in range(GROUPS):
        assert received[str(g)] == [f"{g}-{n:02d}" for n in range(PER_GROUP)]


def test_senders_on_four_hosts_sending_one_deduplication_id_store_it_once(
    hosts: list[PostgresStore],
) -> None:
    """[dedup] "any messages sent with the same message deduplication ID are accepted
    successfully but aren't delivered during the 5-minute deduplication interval": also
    when they are sent at the same instant by senders on different hosts."""
    fifo_queue(hosts[0])

    def send(host: int) -> list[str]:
        mine = Queues(hosts[host], SystemClock())
        return [
            mine.send_message(
                "orders.fifo",
                f"from {host}",
                message_group_id="g",
                message_deduplication_id=f"d-{n}",
            ).message_id
            for n in range(10)
        ]

    answers = at_once(send)
    for n in range(10):  # every sender of d-n was answered with the one message stored
        assert len({answer[n] for answer in answers}) == 1
    stored = drain(Queues(hosts[0], SystemClock()), "orders.fifo")
    assert sorted(stored) == sorted(answers[0])
