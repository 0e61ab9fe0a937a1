"""A command's scope: one transaction for the order and its outbox event, then the relay.

The command and its event commit together (the transactional outbox). On a store whose
PutEvents joins the transaction, the relay publishes in that same transaction (one
commit per request); otherwise right after the commit. If that later publishing fails,
the order is still saved and its event still in the outbox, which every worker's relay
drains: the request has succeeded, so it is logged, not reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from orderflow.bootstrap.system import System
from orderflow.errors import OrderflowError
from orderflow.eventbus.clock import to_iso
from orderflow.services.orders.commands import CommandContext

logger = logging.getLogger(__name__)


@contextmanager
def command_scope(system: System, correlation_id: str | None = None) -> Iterator[CommandContext]:
    """Run a command in a transaction (rolled back if the block raises), then publish."""
    with system.state.transaction() as state:
        now_ms = system.clock.now_ms()
        yield CommandContext(state, now_ms, to_iso(now_ms), system.new_id, correlation_id)
        published_inside = state.shares_engine_transaction
        system.relay.publish_in(state)
    if published_inside:
        return
    try:
        system.relay.publish_pending()
    except OrderflowError:
        logger.warning("Publishing the outbox failed; a worker's relay will retry.", exc_info=True)
