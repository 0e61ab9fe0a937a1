"""Running commands (place, change, cancel an order): several in one state transaction
that also publishes their events (in it on a joining transport, right after it on a
remote one).

A command that raises (a conflict, an unknown order, a price that is not the catalog's)
must leave no trace: its error is kept, the transaction rolled back and run again
without it, as the handling core does with a failing handler (failures are the
exception: a savepoint around every command would cost more than they do). An error of
the store itself (the database is unavailable) is every command's answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from orderflow.eventbus.clock import Clock, to_iso
from orderflow.eventbus.errors import StoreError
from orderflow.runtime.conflicts import again_on_conflict
from orderflow.runtime.relay import OutboxRelay
from orderflow.services.context import CommandContext

T = TypeVar("T")
Command = Callable[[CommandContext], T]


class _CommandFailed(Exception):
    """A command raised: the transaction rolls back, to run again without it."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


def run_commands(
    relay: OutboxRelay,
    clock: Clock,
    new_id: Callable[[], str],
    commands: Sequence[tuple[Command[Any], str | None]],
) -> list[Any | Exception]:
    """Run ``commands`` (each with its correlation id, or None for a new journey) in order
    in one transaction whose events are published: each one's result, or the exception
    it raised (and then it changed nothing)."""
    failed: dict[int, Exception] = {}

    def once() -> dict[int, Any]:
        results: dict[int, Any] = {}
        with relay.transaction() as state:
            now_ms = clock.now_ms()
            now_iso = to_iso(now_ms)
            for index, (command, correlation_id) in enumerate(commands):
                if index in failed:
                    continue
                ctx = CommandContext(state, now_ms, now_iso, new_id, correlation_id)
                try:
                    results[index] = command(ctx)
                except StoreError:
                    raise  # the database's failure, not the command's: every one's
                except Exception as exc:
                    raise _CommandFailed(index, exc) from exc
        return results

    while True:
        if len(failed) == len(commands):  # nothing left to commit
            return [failed[index] for index in range(len(commands))]
        try:
            results = again_on_conflict(once)
            break
        except _CommandFailed as failure:
            failed[failure.index] = failure.error
    return [failed[index] if index in failed else results[index] for index in range(len(commands))]


def run_command(
    relay: OutboxRelay,
    clock: Clock,
    new_id: Callable[[], str],
    command: Command[T],
    correlation_id: str | None = None,
) -> T:
    """Run one command in a transaction of its own; its result (or its exception)."""
    [outcome] = run_commands(relay, clock, new_id, [(command, correlation_id)])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome  # type: ignore[no-any-return]
