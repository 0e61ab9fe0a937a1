"""Group commit: the API's commands, several to a transaction, on one thread.

Every command (place, change, cancel) commits with its outbox event, and (on the
embedded engine) the event is published in that same transaction, before the client
hears of it (``runtime.commands``). Run one transaction
per request, on the thread pool FastAPI gives blocking endpoints, and each request pays
for two thread hops, a transaction and its own turn at the database's write lock, which
every other process of the system wants too. Instead the command endpoints are async
and hand their command to one committer thread: it takes every command waiting, runs
them in arrival order in one transaction, publishes their events in it, commits, and
then answers them all. Under load a transaction carries many commands; alone, a command
waits for nobody. A command that raises changes nothing and gets its own error; an
error of the transaction itself (the database is unavailable) is every command's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from orderflow.bootstrap.system import System
from orderflow.runtime.commands import Command, run_commands

T = TypeVar("T")

MAX_BATCH: Final = 64


@dataclass(frozen=True)
class _Request(Generic[T]):
    command: Command[T]
    correlation_id: str | None
    future: asyncio.Future[T]
    loop: asyncio.AbstractEventLoop


class CommandCommitter:
    """Runs the API's commands in group-committed transactions on a thread of its own
    (started by the first command; ``close`` stops it once what is queued is done)."""

    def __init__(self, system: System, *, max_batch: int = MAX_BATCH) -> None:
        self._system = system
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Request[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    async def run(self, command: Command[T], correlation_id: str | None = None) -> T:
        """Run ``command`` in the next transaction; its result once that has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._ensure_started()
        self._queue.put(_Request(command, correlation_id, future, loop))
        return await future

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start:
            if self._thread is None:
                thread = threading.Thread(target=self._serve, name="api-committer", daemon=True)
                thread.start()
                self._thread = thread

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._commit(batch)
            if stopping:
                return

    def _commit(self, batch: list[_Request[Any]]) -> None:
        outcomes: list[Any]
        try:
            system = self._system
            outcomes = run_commands(
                system.relay,
                system.clock,
                system.new_id,
                [(request.command, request.correlation_id) for request in batch],
            )
        except Exception as exc:  # the transaction failed: every command with it
            outcomes = [exc] * len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
        for request, outcome in zip(batch, outcomes, strict=True):
            by_loop.setdefault(request.loop, []).append((request.future, outcome))
        for loop, settlements in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(_settle, settlements)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None


def _settle(settlements: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for future, outcome in settlements:
        if future.cancelled():  # the client went away; what committed stays committed
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
