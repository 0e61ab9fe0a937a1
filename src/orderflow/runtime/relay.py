"""The outbox relay: put outbox events on the bus, oldest first, none lost.

Each round reads up to 10 pending rows, calls PutEvents and marks the accepted ones
published, in one transaction of the state store. On a transport that joins state
transactions (the embedded engine) routing an event and marking it published commit
together, so a crash at any point neither loses an event nor publishes one twice;
there ``publish_in`` runs the rounds inside the caller's own transaction (a command's,
a worker's batch), so the change, its events and their routing are a single commit.
On a remote transport the rows are marked only once PutEvents accepted each of them,
and the mark commits after it: a crash between the two publishes those rows again on
the next round (at least once; consumers' claims absorb the copies). Rows the
transport refuses keep their error and are retried a few times, then left for an
operator (a request refused as a whole is retried row by row, so one bad row fails
alone); when the transport does not answer at all, nothing is counted and the round
stops. Rows go out oldest first; a row that keeps failing is passed by, so what follows
it is not held up by it (``orderflow trace`` shows it as not published).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import orjson

from orderflow.errors import OrderflowError
from orderflow.eventbus.clock import Clock
from orderflow.runtime.ports import OutboxRows, StateStore, StateTransaction, StoredEvent
from orderflow.runtime.transport import (
    Transport,
    TransportError,
    TransportUnavailable,
    joining,
)

BATCH: Final = 10

log = logging.getLogger("orderflow.relay")


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
    def __init__(self, store: StateStore, transport: Transport, clock: Clock) -> None:
        self._store = store
        self._transport = transport
        self._joining = joining(transport)
        self._clock = clock

    @property
    def joins_transactions(self) -> bool:
        """Whether events are published inside the transaction that emitted them."""
        return self._joining is not None

    @contextmanager
    def transaction(self) -> Iterator[StateTransaction]:
        """A state transaction whose outbox is published: inside it when the transport
        joins it, else right after it commits (a failure then is logged, not raised: the
        work committed, and the next sweep publishes what is left)."""
        with self._store.transaction() as state:
            yield state
            self.publish_in(state)
        if self._joining is None:
            try:
                self.publish_pending()
            except OrderflowError as exc:
                log.warning("publishing the outbox failed, a later sweep retries: %s", exc)

    def publish_pending(self) -> int:
        """Publish everything pending, in transactions of its own; how many went out."""
        with self._store.reader() as state:  # most sweeps find nothing: no write lock then
            if not state.pending_events(1):
                return 0
        total = 0
        while True:
            with self._store.transaction() as state:
                transport = self._joining.within(state) if self._joining else self._transport
                published, more = self._round(state, transport)
            total += published
            if not more:
                return total

    def publish_in(self, state: StateTransaction) -> int:
        """Publish everything pending inside ``state``'s transaction, when the transport
        joins it (else nothing: ``publish_pending`` runs after the commit)."""
        if self._joining is None:
            return 0
        transport = self._joining.within(state)
        total = 0
        more = True
        while more:
            published, more = self._round(state, transport)
            total += published
        return total

    def _round(self, state: OutboxRows, transport: Transport) -> tuple[int, bool]:
        """Publish up to one batch; (how many, whether to go on)."""
        rows = state.pending_events(BATCH)
        if not rows:
            return 0, False
        try:
            results = transport.put_events([entry(row) for row in rows])
            outcomes = [
                (row, result.event_id, result.error)
                for row, result in zip(rows, results, strict=True)
            ]
        except TransportUnavailable:
            raise  # nobody answered: nothing to count against the rows
        except TransportError:  # the request as a whole was refused: each row on its own
            outcomes = [self._one(transport, row) for row in rows]
        published = [row.seq for row, event_id, _ in outcomes if event_id is not None]
        state.mark_published(published, self._clock.now_ms())
        failed = False
        for row, event_id, error in outcomes:
            if event_id is None:
                state.mark_failed([row.seq], error)
                failed = True
        return len(published), not failed and len(rows) == BATCH

    @staticmethod
    def _one(transport: Transport, row: StoredEvent) -> tuple[StoredEvent, str | None, str]:
        """Put one row alone: (row, its event id or None, the error)."""
        try:
            [result] = transport.put_events([entry(row)])
        except TransportUnavailable:
            raise
        except TransportError as exc:
            return row, None, f"{exc.code}: {exc}"
        return row, result.event_id, result.error
