"""The outbox relay: put outbox events on the bus, oldest first, none lost.

Each round reads up to 10 pending rows, calls PutEvents and marks the accepted ones
published. On a transport that joins state
transactions (the embedded engine) routing an event and marking it published commit
together, so a crash at any point neither loses an event nor publishes one twice;
there ``publish_in`` runs the rounds inside the caller's own transaction (a command's,
a worker's batch), so the change, its events and their routing are a single commit.
On a remote transport no transaction stays open while PutEvents is on the network: a
short one leases up to 10 rows (no other relay publishes them meanwhile), PutEvents
runs outside any, and another short one marks published the rows it accepted. A crash
before that mark, or a call slower than the lease, publishes those rows again (at least
once; consumers' claims absorb the copies). Rows the transport refuses keep their
error and are retried a few times, then left for an operator (a request refused as a
whole is retried row by row, so one bad row fails alone); when the transport does not
answer at all, or answers with what says nothing of the rows (throttled, a server
error), nothing is counted and the rows wait for the next round. Rows go out oldest
first; a row that keeps failing is passed by, so what follows it is not held up by it
(``orderflow trace`` shows it as not published).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import orjson

from orderflow.errors import OrderflowError
from orderflow.eventbus.clock import Clock
from orderflow.runtime.conflicts import again_on_conflict
from orderflow.runtime.ports import OutboxRows, StateStore, StateTransaction, StoredEvent
from orderflow.runtime.transport import (
    PublishedEntry,
    Transport,
    TransportError,
    TransportUnavailable,
    joining,
)

BATCH: Final = 10
LEASE_MS: Final = 10_000
"""How long a remote relay holds the rows it publishes before another may take them."""

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
            round_ = self._joined_round if self._joining else self._leased_round
            published, more = round_()
            total += published
            if not more:
                return total

    def _joined_round(self) -> tuple[int, bool]:
        """One round in a transaction of its own, which PutEvents joins."""
        assert self._joining is not None
        joining = self._joining

        def once() -> tuple[int, bool]:
            with self._store.transaction() as state:
                return self._round(state, joining.within(state))

        return again_on_conflict(once)

    def _leased_round(self) -> tuple[int, bool]:
        """Lease a batch, PutEvents with no transaction open, mark what it accepted."""

        def lease() -> list[StoredEvent]:
            with self._store.transaction() as state:
                return state.lease_pending(BATCH, self._clock.now_ms(), LEASE_MS)

        rows = again_on_conflict(lease)
        if not rows:
            return 0, False
        outcomes = self._put(self._transport, rows)  # unanswered: the leases run out

        def mark() -> tuple[int, bool]:
            with self._store.transaction() as state:
                return self._mark(state, outcomes, full=len(rows) == BATCH)

        return again_on_conflict(mark)

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
        """Publish up to one batch in ``state``; (how many, whether to go on)."""
        rows = state.pending_events(BATCH)
        if not rows:
            return 0, False
        return self._mark(state, self._put(transport, rows), full=len(rows) == BATCH)

    def _put(
        self, transport: Transport, rows: list[StoredEvent]
    ) -> list[tuple[StoredEvent, PublishedEntry]]:
        """PutEvents for ``rows``: each row with what was answered for it."""
        try:
            results = transport.put_events([entry(row) for row in rows])
            return list(zip(rows, results, strict=True))
        except TransportUnavailable:
            raise  # nobody answered: nothing to count against the rows
        except TransportError:  # the request as a whole was refused: each row on its own
            return [self._one(transport, row) for row in rows]

    def _mark(
        self,
        state: OutboxRows,
        outcomes: list[tuple[StoredEvent, PublishedEntry]],
        *,
        full: bool,
    ) -> tuple[int, bool]:
        """Mark the accepted rows published and count the refused ones' failures;
        (how many were published, whether to go on: a full batch, all accepted)."""
        published = [row.seq for row, result in outcomes if result.event_id is not None]
        state.mark_published(published, self._clock.now_ms())
        failed = False
        for row, result in outcomes:
            if result.event_id is None:
                failed = True
                if not result.transient:  # throttled or the like: put again, uncounted
                    state.mark_failed([row.seq], result.error)
        return len(published), not failed and full

    @staticmethod
    def _one(transport: Transport, row: StoredEvent) -> tuple[StoredEvent, PublishedEntry]:
        """Put one row alone: the row, and what PutEvents answered for it."""
        try:
            [result] = transport.put_events([entry(row)])
        except TransportUnavailable:
            raise
        except TransportError as exc:
            return row, PublishedEntry(None, exc.code, str(exc))
        return row, result
