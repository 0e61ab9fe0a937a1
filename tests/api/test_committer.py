"""Group commit: commands sharing a transaction each succeed or fail on their own, and a
failed one leaves nothing behind (neither its order nor its event)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from orderflow.domain.errors import OrderConflict
from orderflow.entrypoints.api.committer import CommandCommitter
from orderflow.eventbus.errors import StoreError
from orderflow.runtime.commands import run_commands
from orderflow.services.context import CommandContext
from orderflow.services.orders import commands
from orderflow.services.orders.commands import OrderNotFound
from orderflow.services.orders.records import Orders
from tests.services.harness import Harness, make_harness


def placing(order_id: str) -> Any:
    request = commands.PlaceOrder(
        customer_id="u-1",
        currency="USD",
        channel="web",
        items=[("KB-001", 1, Decimal("89.00"))],
        refund_eligible=True,
        payment_method="card",
        order_id=order_id,
    )

    def place(ctx: CommandContext) -> str:
        order, _ = commands.place(ctx, request)
        return order.order_id

    return place


def cancelling(order_id: str) -> Any:
    def cancel(ctx: CommandContext) -> str:
        return commands.cancel(ctx, order_id, "test").order_id

    return cancel


def orders_kept(harness: Harness) -> set[str]:
    with harness.system.state.reader() as state:
        orders = Orders(state)
        return {
            order_id
            for order_id in ("ord-a", "ord-b", "ord-c", "ord-d")
            if orders.document(order_id) is not None
        }


def events_published(harness: Harness) -> int:
    with harness.system.state.reader() as state:
        assert not state.pending_events(10), "published in the same transaction"
    return harness.system.engine.sqs.get_queue_attributes(
        harness.system.engine.sqs.get_queue_url("analytics"),
        ["ApproximateNumberOfMessages"],
    )["ApproximateNumberOfMessages"]


def test_a_failing_command_fails_alone_and_leaves_no_trace() -> None:
    harness = make_harness()
    system = harness.system
    outcomes = run_commands(
        system.relay,
        system.clock,
        system.new_id,
        [
            (placing("ord-a"), None),
            (cancelling("ord-missing"), None),
            (placing("ord-b"), None),
            (placing("ord-a"), None),  # the id the first one took, in the same transaction
            (cancelling("ord-b"), None),  # sees ord-b, placed before it in this transaction
        ],
    )
    assert outcomes[0] == "ord-a" and outcomes[2] == "ord-b" and outcomes[4] == "ord-b"
    assert isinstance(outcomes[1], OrderNotFound)
    assert isinstance(outcomes[3], OrderConflict)
    assert orders_kept(harness) == {"ord-a", "ord-b"}
    # OrderCreated twice and OrderCancelled once reached analytics; nothing of the failed.
    assert events_published(harness) == "3"


def test_a_database_failure_is_every_commands_answer() -> None:
    harness = make_harness()

    def broken(ctx: CommandContext) -> str:
        raise StoreError("The database is locked.")

    with pytest.raises(StoreError):
        system = harness.system
        run_commands(
            system.relay, system.clock, system.new_id, [(placing("ord-a"), None), (broken, None)]
        )
    assert orders_kept(harness) == set()


def test_concurrent_requests_each_get_their_own_answer() -> None:
    harness = make_harness()
    committer = CommandCommitter(harness.system, max_batch=8)

    async def all_at_once() -> list[Any]:
        ids = ["ord-a", "ord-b", "ord-c", "ord-d"]
        return await asyncio.gather(
            *(committer.run(placing(order_id)) for order_id in ids),
            committer.run(cancelling("ord-missing")),
            return_exceptions=True,
        )

    try:
        outcomes = asyncio.run(all_at_once())
    finally:
        committer.close()
    assert outcomes[:4] == ["ord-a", "ord-b", "ord-c", "ord-d"]
    assert isinstance(outcomes[4], OrderNotFound)
    assert orders_kept(harness) == {"ord-a", "ord-b", "ord-c", "ord-d"}
