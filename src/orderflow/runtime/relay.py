"""The outbox relay: put outbox events on the bus, oldest first, each exactly once.

Each round reads up to 10 pending rows, calls PutEvents and marks the accepted ones
published, in one transaction of the state store. On the SQLite store that is also
the engine's transaction: routing an event and marking it published commit together,
so a crash at any point neither loses an event nor publishes one twice. There,
``publish_in`` runs the rounds inside the caller's own transaction (a command's, a
worker's batch), so the change, its events and their routing are a single commit. Rows PutEvents
refuses keep their error and are retried a few times, then left for an operator.
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
            result = state.put_events([entry(row) for row in rows])
        except AwsError as exc:
            state.mark_failed([row.seq for row in rows], f"{exc.code}: {exc}")
            return 0, False
        published = [
            row.seq
            for row, outcome in zip(rows, result.entries, strict=True)
            if outcome.event_id is not None
        ]
        state.mark_published(published, self._clock.now_ms())
        failed = False
        for row, outcome in zip(rows, result.entries, strict=True):
            if outcome.event_id is None:
                state.mark_failed([row.seq], f"{outcome.error_code}: {outcome.error_message}")
                failed = True
        return len(published), not failed and len(rows) == BATCH
