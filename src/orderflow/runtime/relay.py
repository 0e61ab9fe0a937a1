"""The outbox relay: put outbox events on the bus, oldest first, each exactly once.

Each round reads up to 10 pending rows, calls PutEvents and marks the accepted ones
published, in one transaction of the state store. On the SQLite store that is also
the engine's transaction: routing an event and marking it published commit together,
so a crash at any point neither loses an event nor publishes one twice. Rows PutEvents
refuses keep their error and are retried a few times, then left for an operator.
"""

from __future__ import annotations

from typing import Final

import orjson

from orderflow.eventbus.clock import Clock
from orderflow.eventbus.errors import AwsError
from orderflow.runtime.ports import StateStore, StoredEvent

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
        """Publish everything pending; how many events went out."""
        published_total = 0
        while True:
            with self._store.transaction() as state:
                rows = state.pending_events(BATCH)
                if not rows:
                    return published_total
                try:
                    result = state.put_events([entry(row) for row in rows])
                except AwsError as exc:
                    state.mark_failed([row.seq for row in rows], f"{exc.code}: {exc}")
                    return published_total
                published = [
                    row.seq
                    for row, outcome in zip(rows, result.entries, strict=True)
                    if outcome.event_id is not None
                ]
                failed = [
                    (row.seq, f"{outcome.error_code}: {outcome.error_message}")
                    for row, outcome in zip(rows, result.entries, strict=True)
                    if outcome.event_id is None
                ]
                state.mark_published(published, self._clock.now_ms())
                for seq, error in failed:
                    state.mark_failed([seq], error)
            published_total += len(published)
            if failed:
                return published_total
