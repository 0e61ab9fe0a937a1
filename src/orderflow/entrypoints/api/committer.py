"""Group commit: the API's commands, several to a transaction, on one thread.

Every command (place, change, cancel) commits with its outbox event, and the event is
published in that same transaction, before the client hears of it. Run one transaction
per request, on the thread pool FastAPI gives blocking endpoints, and each request pays
for two thread hops, a transaction and its own turn at the database's write lock, which
every other process of the system wants too. Instead the command endpoints are async
and hand their command to one committer thread: it takes every command waiting, runs
them in arrival order in one transaction, publishes their events in it, commits, and
then answers them all. Under load a transaction carries many commands; alone, a command
waits for nobody.

A command that raises (a conflict, an unknown order, a price that is not the catalog's)
must leave no trace: its error is kept, the transaction rolled back and run again
without it, as the workers do with a failing handler (failures are the exception:
a savepoint around every command would cost more than they do). An error of the
transaction itself (the database is unavailable) is every command's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from orderflow.bootstrap.system import System
from orderflow.errors import OrderflowError
from orderflow.eventbus.clock import to_iso
from orderflow.eventbus.errors import StoreError
from orderflow.services.orders.commands import CommandContext

logger = logging.getLogger(__name__)

T = TypeVar("T")
Command = Callable[[CommandContext], T]

MAX_BATCH: Final = 64


@dataclass(frozen=True)
class _Request(Generic[T]):
    command: Command[T]
    correlation_id: str | None
    future: asyncio.Future[T]
    loop: asyncio.AbstractEventLoop


class _CommandFailed(Exception):
    """A command raised: the transaction rolls back, to run again without it."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


def run_together(
    system: System, commands: list[tuple[Command[Any], str | None]]
) -> list[Any | Exception]:
    """Run ``commands`` in order in one transaction that also publishes their events: each
    one's result, or the exception it raised (and then it changed nothing)."""
    failed: dict[int, Exception] = {}
    while True:
        if len(failed) == len(commands):  # nothing left to commit
            return [failed[index] for index in range(len(commands))]
        results: dict[int, Any] = {}
        try:
            with system.state.transaction() as state:
                now_ms = system.clock.now_ms()
                now_iso = to_iso(now_ms)
                for index, (command, correlation_id) in enumerate(commands):
                    if index in failed:
                        continue
                    ctx = CommandContext(state, now_ms, now_iso, system.new_id, correlation_id)
                    try:
                        results[index] = command(ctx)
                    except StoreError:
                        raise  # the database's failure, not the command's: every one's
                    except Exception as exc:
                        raise _CommandFailed(index, exc) from exc
                published_inside = state.shares_engine_transaction
                system.relay.publish_in(state)
            break
        except _CommandFailed as failure:
            failed[failure.index] = failure.error
    if not published_inside:
        try:
            system.relay.publish_pending()
        except OrderflowError:  # committed, so the requests succeeded; a relay retries
            logger.warning(
                "Publishing the outbox failed; a worker's relay will retry.", exc_info=True
            )
    return [failed[index] if index in failed else results[index] for index in range(len(commands))]


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
            outcomes = run_together(
                self._system, [(request.command, request.correlation_id) for request in batch]
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
