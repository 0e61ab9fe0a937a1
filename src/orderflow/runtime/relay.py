"""The outbox relay: put outbox events on the bus, oldest first, each exactly once.

Each round reads up to 10 pending rows, calls PutEvents and marks the accepted ones
published, in one transaction of the state store. On the SQLite store that is also
the engine's transaction: routing an event and marking it published commit together,
so a crash at any point neither loses an event nor publishes one twice. There,
``publish_in`` runs the rounds inside the caller's own transaction (a command's, a
worker's batch), so the change, its events and their routing are a single commit. Rows
PutEvents refuses keep their error and are retried a few times, then left for an operator (a
request refused as a whole is retried row by row, so one bad row fails alone). Rows go
out oldest first; a row that keeps failing is passed by, so what follows it in the
journey is not held up by it (``orderflow trace`` shows it as not published).
"""

from __future__ import annotations

from typing import Final

import orjson

from orderflow.eventbus.clock import Clock
from orderflow.eventbus.errors import AwsError
from orderflow.runtime.ports import RuntimeState, StateStore, StoredEvent

BATCH: Final = 10


def entry(row: StoredEvent) -> dict[str, object]:
    """The PutEvents entry for an outbox row."""
    event = row.event
    return {
        "Source": event.source,
        "DetailType": event.detail_type,
        "Detail": orjson.dumps(event.detail).decode(),
        "EventBusName": event.bus,
    }


class OutboxRelay:
    def __init__(self, store: StateStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def publish_pending(self) -> int:
        """Publish everything pending, in transactions of its own; how many went out."""
        with self._store.reader() as state:  # most sweeps find nothing: no write lock then
            if not state.pending_events(1):
                return 0
        total = 0
        while True:
            with self._store.transaction() as state:
                published, more = self._round(state)
            total += published
            if not more:
                return total

    def publish_in(self, state: RuntimeState) -> int:
        """Publish everything pending inside ``state``'s transaction, when the store's
        PutEvents joins it (else nothing: ``publish_pending`` runs after the commit)."""
        if not state.shares_engine_transaction:
            return 0
        total = 0
        more = True
        while more:
            published, more = self._round(state)
            total += published
        return total

    def _round(self, state: RuntimeState) -> tuple[int, bool]:
        """Publish up to one batch; (how many, whether to go on)."""
        rows = state.pending_events(BATCH)
        if not rows:
            return 0, False
        try:
            outcomes = [
                (
                    row,
                    entry_result.event_id,
                    f"{entry_result.error_code}: {entry_result.error_message}",
                )
                for row, entry_result in zip(
                    rows, state.put_events([entry(row) for row in rows]).entries, strict=True
                )
            ]
        except AwsError:  # the request as a whole was refused: each row on its own
            outcomes = [self._one(state, row) for row in rows]
        published = [row.seq for row, event_id, _ in outcomes if event_id is not None]
        state.mark_published(published, self._clock.now_ms())
        failed = False
        for row, event_id, error in outcomes:
            if event_id is None:
                state.mark_failed([row.seq], error)
                failed = True
        return len(published), not failed and len(rows) == BATCH

    @staticmethod
    def _one(state: RuntimeState, row: StoredEvent) -> tuple[StoredEvent, str | None, str]:
        """Put one row alone: (row, its event id or None, the error)."""
        try:
            [result] = state.put_events([entry(row)]).entries
        except AwsError as exc:
            return row, None, f"{exc.code}: {exc}"
        return row, result.event_id, f"{result.error_code}: {result.error_message}"
