"""Many "hosts" on one database: threads, each with a ``PostgresStore`` of its own (its
own pool, listener and connections), as a process on another machine would have."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TypeVar

import pytest

from orderflow.adapters.postgres import PostgresStore
from orderflow.eventbus.queues import Queues

HOSTS = 4
T = TypeVar("T")


@pytest.fixture
def hosts(postgres_url: str) -> Iterator[list[PostgresStore]]:
    with ExitStack() as stack:
        stores = [PostgresStore(postgres_url) for _ in range(HOSTS)]
        for store in stores:
            stack.callback(store.close)
        yield stores


def at_once(work: Callable[[int], T], count: int = HOSTS) -> list[T]:
    """``work(host)`` on ``count`` threads started together; their results, by host."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(host: int) -> None:
        barrier.wait()
        try:
            results[host] = work(host)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(host,)) for host in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [results[host] for host in range(count)]


def drain(queues: Queues, queue: str) -> list[str]:
    """Receive and delete ``queue``'s messages, 10 at a time, until a receive finds none;
    their ids, in the order received."""
    taken: list[str] = []
    while batch := queues.receive_message(queue, max_messages=10):
        taken.extend(message.message_id for message in batch)
        queues.delete_message_batch(
            queue, [{"Id": str(n), "ReceiptHandle": m.receipt_handle} for n, m in enumerate(batch)]
        )
    return taken
