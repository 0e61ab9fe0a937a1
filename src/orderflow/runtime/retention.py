"""Retention: the services' records that only grow, pruned past an age.

The delivery journal (what ``orderflow trace`` and ``dlq show`` read), published outbox
events and sent emails are history: they go once older than the age asked for. A
consumer's processed marks are what makes a redelivered or replayed event change nothing
twice, so they stay as long as any event could come back: the longest retention of any
queue (a message, or its copy in a DLQ, can be received again until then) and of any
archive (a replay sends archived events again). An archive that keeps its events forever
keeps the processed marks forever too.

Rows go in batches, each its own short transaction, so that a large prune never holds
the write lock for long while the system runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Protocol, get_args

from orderflow.runtime.ports import Record, StateStore

BATCH: Final = 2_000
DAY_MS: Final = 86_400_000


class _Archives(Protocol):
    def list_archives(self) -> list[dict[str, Any]]: ...


class _Queues(Protocol):
    def list_queues(self) -> list[str]: ...

    def get_queue_attributes(self, queue: str, names: Iterable[str], /) -> dict[str, str]: ...


class EventSources(Protocol):
    """What could send an event again: the archives (ListArchives) and the queues
    (ListQueues, GetQueueAttributes) — the embedded engine, or the AWS APIs."""

    @property
    def events(self) -> _Archives: ...

    @property
    def sqs(self) -> _Queues: ...


@dataclass(frozen=True)
class RetentionPlan:
    """What goes: history before ``history_before_ms``; processed marks before
    ``processed_before_ms``, or none (``processed_kept`` says why)."""

    history_before_ms: int
    processed_before_ms: int | None
    processed_kept: str | None = None

    def cutoff(self, record: Record) -> int | None:
        return self.processed_before_ms if record == "processed" else self.history_before_ms


def plan(engine: EventSources, now_ms: int, keep_ms: int) -> RetentionPlan:
    """Keep ``keep_ms`` of history, and processed marks as long as an event can return."""
    history = now_ms - keep_ms
    archives = engine.events.list_archives()
    forever = [a["ArchiveName"] for a in archives if not a["RetentionDays"]]
    if forever:
        return RetentionPlan(
            history,
            None,
            f"the archive {forever[0]} keeps its events forever (a replay could send any "
            "of them again); give it a retention to let them go: orderflow events "
            f"update-archive --archive-name {forever[0]} --retention-days DAYS",
        )
    queue_retention_ms = (
        int(
            engine.sqs.get_queue_attributes(url, ["MessageRetentionPeriod"])[
                "MessageRetentionPeriod"
            ]
        )
        * 1000
        for url in engine.sqs.list_queues()
    )
    # How far back a queue or an archive could still send an event again.
    horizon_ms = max(
        max((a["RetentionDays"] * DAY_MS for a in archives), default=0),
        max(queue_retention_ms, default=0),
    )
    if now_ms - horizon_ms >= history:
        return RetentionPlan(history, history)
    return RetentionPlan(
        history,
        now_ms - horizon_ms,
        "processed marks stay as long as a queue or an archive could send their events "
        f"again ({horizon_ms // DAY_MS} days)",
    )


def prune(
    store: StateStore,
    retention: RetentionPlan,
    *,
    dry_run: bool = False,
    stopped: Callable[[], bool] = lambda: False,
) -> dict[Record, int]:
    """Delete (or, ``dry_run``, count) what ``retention`` lets go; how many of each record.
    ``stopped`` is asked between batches: once true, the rest waits for the next prune."""
    counts: dict[Record, int] = {}
    for record in get_args(Record):
        cutoff = retention.cutoff(record)
        if cutoff is None or stopped():
            counts[record] = 0
        elif dry_run:
            with store.reader() as state:
                counts[record] = state.count_older(record, cutoff)
        else:
            counts[record] = _prune_all(store, record, cutoff, stopped)
    return counts


def _prune_all(store: StateStore, record: Record, cutoff: int, stopped: Callable[[], bool]) -> int:
    total = 0
    while True:
        with store.transaction() as state:
            pruned = state.prune(record, cutoff, BATCH)
        total += pruned
        if pruned < BATCH or stopped():
            return total
