"""Many hosts on one database: every message received once, every claim taken once, no
update of a document lost, outbox rows and invocations shared out, none twice.

Each "host" is a thread with a ``PostgresStore`` of its own (its own pool, listener and
connections), as a process on another machine would have."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from decimal import Decimal
from typing import TypeVar

import psycopg
import pytest

from orderflow.adapters.postgres import PostgresStateStore, PostgresStore
from orderflow.adapters.postgres.document_locks import DocumentsBusy
from orderflow.bootstrap.catalog import Product
from orderflow.bootstrap.system import System, install
from orderflow.eventbus.clock import SystemClock
from orderflow.eventbus.model.bus import BusRecord, NewInvocation, RuleRecord, TargetRecord
from orderflow.eventbus.model.queues import MoveTask
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.queues import Queues
from orderflow.services.inventory.records import STOCK
from orderflow.services.ports import OutgoingEvent
from tests.postgres.hosts import HOSTS, at_once, drain
from tests.support.orders import place_order
from tests.support.postgres import postgres_system

pytestmark = pytest.mark.postgres

T = TypeVar("T")


def test_receivers_on_four_hosts_take_every_message_exactly_once(
    hosts: list[PostgresStore],
) -> None:
    first = Queues(hosts[0], SystemClock())
    first.create_queue("orders")
    sent: set[str] = set()
    for start in range(0, 200, 10):
        entries = [{"Id": f"e{n}", "MessageBody": f"m{start + n}"} for n in range(10)]
        sent |= {s.message_id for _, s in first.send_message_batch("orders", entries).successful}

    def receive_until_empty(host: int) -> list[str]:
        return drain(Queues(hosts[host], SystemClock()), "orders")

    taken = at_once(receive_until_empty)
    every = [message_id for host in taken for message_id in host]
    assert len(sent) == 200
    assert Counter(every) == Counter(sent)  # each once: none lost, none twice
    assert sum(1 for host in taken if host) >= 2  # they shared the work
    counts = first.get_queue_attributes("orders")
    assert counts["ApproximateNumberOfMessages"] == "0"
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_four_workers_changing_one_document_lose_no_update(hosts: list[PostgresStore]) -> None:
    states = [PostgresStateStore(store) for store in hosts]

    def reserve(host: int) -> None:
        for _ in range(25):
            with states[host].transaction() as state:
                stock = state.get(STOCK, "SKU-1") or {"sku": "SKU-1", "reserved": 0}
                stock["reserved"] += 1  # read, modify, write: the lock makes it take turns
                state.put(STOCK, "SKU-1", stock)

    at_once(reserve)  # the document does not exist yet: the first ones create it at once
    with states[0].reader() as state:
        assert state.get(STOCK, "SKU-1") == {"sku": "SKU-1", "reserved": 100}


def test_workers_changing_documents_in_opposite_orders_never_deadlock(
    hosts: list[PostgresStore],
) -> None:
    """Half the workers change SKU-1 then SKU-2, the others SKU-2 then SKU-1, pausing
    between the two: plain waiting locks would deadlock on most rounds, and PostgreSQL's
    way out (a second's wait, then a deadlock error, TransactionConflict) fails this test."""
    states = [PostgresStateStore(store) for store in hosts]
    busy: list[str] = []

    def reserve(host: int) -> None:
        skus = ["SKU-1", "SKU-2"] if host % 2 == 0 else ["SKU-2", "SKU-1"]

        def both() -> None:
            with states[host].transaction() as state:
                for sku in skus:
                    stock = state.get(STOCK, sku) or {"sku": sku, "reserved": 0}
                    state.put(STOCK, sku, {**stock, "reserved": stock["reserved"] + 1})
                    time.sleep(0.002)  # the other workers take their first lock meanwhile

        for _ in range(15):
            while True:
                try:
                    both()
                    break
                except DocumentsBusy as exc:  # rolled back: run again, as workers do
                    busy.append(str(exc))

    at_once(reserve)
    with states[0].reader() as state:
        assert state.get(STOCK, "SKU-1") == {"sku": "SKU-1", "reserved": 60}
        assert state.get(STOCK, "SKU-2") == {"sku": "SKU-2", "reserved": 60}
    assert busy  # the opposite orders met, and were rolled back at once instead
    assert "SKU-" in busy[0] and "rolled back" in busy[0]


def test_a_claim_is_taken_once_among_workers_claiming_at_once(hosts: list[PostgresStore]) -> None:
    states = [PostgresStateStore(store) for store in hosts]

    def claim(host: int) -> list[str]:
        with states[host].transaction() as state:
            return [f"e-{n}" for n in range(50) if state.claim("inventory", f"e-{n}", n)]

    claimed = at_once(claim)
    assert sorted(e for host in claimed for e in host) == sorted(f"e-{n}" for n in range(50))


def test_relays_publishing_at_once_take_disjoint_outbox_rows(hosts: list[PostgresStore]) -> None:
    states = [PostgresStateStore(store) for store in hosts]
    with states[0].transaction() as state:
        state.add_events(
            [OutgoingEvent(f"e-{n}", "c-1", None, "s", "T", {}, "default", n) for n in range(40)]
        )
    holding = threading.Barrier(HOSTS)

    def take(host: int) -> list[str]:
        with states[host].transaction() as state:
            rows = state.pending_events(10)
            holding.wait()  # every relay holds its rows while the others take theirs
            state.mark_published([row.seq for row in rows], 1)
            return [row.event.event_id for row in rows]

    taken = at_once(take)
    assert all(len(rows) == 10 for rows in taken)
    assert len({event for rows in taken for event in rows}) == 40


def test_dispatchers_on_four_hosts_lease_disjoint_invocations(hosts: list[PostgresStore]) -> None:
    with hosts[0].transaction() as tx:
        tx.add_invocations(
            [NewInvocation("f", "r", "t", "q", "default", "r", "{}", "{}", 0, n) for n in range(40)]
        )
    holding = threading.Barrier(HOSTS)

    def lease(host: int) -> list[int]:
        with hosts[host].transaction() as tx:
            due = tx.due_invocations(["f"], 1_000, 10)
            holding.wait()
            for invocation in due:
                tx.reschedule_invocation(invocation.seq, 10_000, invocation.attempts)
            return [invocation.seq for invocation in due]

    leased = at_once(lease)
    assert all(len(seqs) == 10 for seqs in leased)
    assert len({seq for seqs in leased for seq in seqs}) == 40


def test_inventory_workers_on_four_hosts_reserve_one_skus_stock_exactly(postgres_url: str) -> None:
    """40 orders of one laptop each, 30 in stock, handled by four inventory workers at once:
    30 reserved, 10 out of stock, the stock at 0, each order handled once."""
    with ExitStack() as stack:
        systems: list[System] = [postgres_system(postgres_url) for _ in range(HOSTS)]
        for system in systems:
            stack.callback(system.close)
        install(systems[0], [Product("LT-006", "Laptop", Decimal("1899"), 30)])
        orders = [place_order(systems[0], f"u-{n}", ("LT-006", 1, "1899")) for n in range(40)]

        def work(host: int) -> int:
            worker = systems[host].worker("inventory", wait_time_s=0)
            handled = idle = 0
            while idle < 3:
                report = worker.run_once()
                handled += report.processed
                idle = 0 if report.received else idle + 1
            return handled

        handled = at_once(work)
        assert sum(handled) == 40
        with systems[0].state.reader() as state:
            assert state.get(STOCK, "LT-006") == {"sku": "LT-006", "available": 0}
        with psycopg.connect(postgres_url) as connection:
            emitted: dict[str, int] = dict(
                connection.execute(
                    "SELECT detail_type, count(*) FROM svc_outbox "
                    "WHERE source = 'com.mycompany.inventory' GROUP BY detail_type"
                ).fetchall()
            )
            processed = connection.execute(
                "SELECT count(*), count(DISTINCT event_id) FROM svc_processed "
                "WHERE consumer = 'inventory'"
            ).fetchone()
        assert emitted == {"InventoryReserved": 30, "InventoryOutOfStock": 10}
        assert processed == (40, 40)
        assert len(set(orders)) == 40


def hold_then_look(
    hosts: list[PostgresStore],
    hold: Callable[[StoreTransaction], object],
    look: Callable[[StoreTransaction], T],
) -> tuple[T, float]:
    """``hold`` in a transaction on one host that stays open a while after it, ``look`` in
    one on another host meanwhile: what ``look`` saw, and how long it took."""
    holding = threading.Event()

    def first() -> None:
        with hosts[0].transaction() as tx:
            hold(tx)
            holding.set()
            time.sleep(0.3)

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(5)
    started = time.monotonic()
    with hosts[1].transaction() as tx:
        seen = look(tx)
    took = time.monotonic() - started
    thread.join()
    return seen, took


def test_a_topology_change_reads_what_the_one_before_it_committed(
    hosts: list[PostgresStore],
) -> None:
    with hosts[0].transaction() as tx:
        tx.save_bus(BusRecord("orders", 1))
        tx.save_rule(RuleRecord("orders", "r", "{}", "ENABLED", 1))

    def add_three(tx: StoreTransaction) -> None:
        assert tx.get_rule("orders", "r") is not None
        for n in range(3):
            tx.save_target(TargetRecord("orders", "r", f"t{n}", "arn:aws:sqs:::q"))
        tx.bump_topology()

    def count(tx: StoreTransaction) -> int:
        assert tx.get_rule("orders", "r") is not None  # waits for the change in progress
        return len(tx.list_targets("orders", "r"))

    seen, took = hold_then_look(hosts, add_three, count)
    assert seen == 3  # so a second PutTargets of three would be refused (five at most)
    assert took >= 0.2


def test_move_tasks_of_one_queue_take_turns(hosts: list[PostgresStore]) -> None:
    task = MoveTask("h", "dlq", None, "RUNNING", 1, 0)

    def start(tx: StoreTransaction) -> None:
        assert tx.move_tasks("dlq") == []
        tx.save_move_task(task)

    seen, took = hold_then_look(hosts, start, lambda tx: tx.move_tasks("dlq"))
    assert seen == [task]  # a second start finds this one running (none existed before)
    assert took >= 0.2


def test_remote_relays_leasing_at_once_take_disjoint_rows(hosts: list[PostgresStore]) -> None:
    states = [PostgresStateStore(store) for store in hosts]
    with states[0].transaction() as state:
        state.add_events(
            [OutgoingEvent(f"e-{n}", "c-1", None, "s", "T", {}, "default", n) for n in range(40)]
        )

    def lease(host: int) -> list[str]:
        taken: list[str] = []
        while True:
            with states[host].transaction() as state:
                rows = state.lease_pending(3, 1_000, 60_000)
            if not rows:
                return taken
            taken.extend(row.event.event_id for row in rows)

    leased = at_once(lease)
    every = [event for rows in leased for event in rows]
    assert sorted(every) == sorted(f"e-{n}" for n in range(40))  # each leased once
