"""The services' state port (``runtime.ports.StateStore``): one specification, run on the
in-memory adapter, on SQLite and PostgreSQL beside the engine and on each alone (as beside
a remote transport), so that tests in memory say what production does; and the
in-engine transport joining its transactions, on every embedded store."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from orderflow.adapters.postgres import PostgresStateStore, PostgresStore
from orderflow.adapters.sqlite import SqliteStore
from orderflow.adapters.sqlite.state import SqliteStateStore
from orderflow.bootstrap.system import System, memory_system, open_system
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.model.counters import CounterKey
from orderflow.runtime.journal import Attempt, Outcome
from orderflow.runtime.ports import MAX_FAILURES, Backlog, StateStore
from orderflow.runtime.transport import Transport, joining
from orderflow.services.ports import OutgoingEvent, OutgoingMail
from tests.support.postgres import postgres_system

POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.postgres)
POSTGRESQL_ALONE = pytest.param("postgresql-alone", marks=pytest.mark.postgres)


def embedded(kind: str, request: pytest.FixtureRequest, path: Path) -> System:
    if kind == "memory":
        return memory_system(ManualClock())
    if kind == "sqlite":
        return open_system(path)
    return postgres_system(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["memory", "sqlite", POSTGRESQL])
def system(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[System]:
    """An embedded system: state and engine in one store."""
    made = embedded(request.param, request, tmp_path / "state.db")
    made.engine.sqs.create_queue("q")
    made.engine.events.put_rule("all", '{"source": ["s"]}')
    made.engine.events.put_targets("all", [{"Id": "q", "Arn": made.engine.scope.queue_arn("q")}])
    yield made
    made.close()


@pytest.fixture(params=["memory", "sqlite", "sqlite-alone", POSTGRESQL, POSTGRESQL_ALONE])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    """The state store of each embedded system, and each database of the state alone."""
    if request.param == "sqlite-alone":
        sqlite = SqliteStore(tmp_path / "alone.db")
        yield SqliteStateStore(sqlite)
        sqlite.close()
        return
    if request.param == "postgresql-alone":
        postgres = PostgresStore(request.getfixturevalue("postgres_url"))
        yield PostgresStateStore(postgres)
        postgres.close()
        return
    made = embedded(request.param, request, tmp_path / "s.db")
    yield made.state
    made.close()


def joined(system: System, state: object) -> Transport:
    transport = joining(system.transport)
    assert transport is not None, "the embedded system's transport joins its transactions"
    return transport.within(state)


def event(n: int, correlation: str = "c-1", bus: str = "default") -> OutgoingEvent:
    return OutgoingEvent(f"e-{n}", correlation, None, "s", "Thing", {"n": n}, bus, n)


def mail(n: int) -> OutgoingMail:
    return OutgoingMail(f"<m{n}@t>", "o-1", "refund", "u@x.test", "s", "b", "c-1", "e-1", n)


def test_documents_are_kept_by_kind_and_key_and_scanned_in_key_order(store: StateStore) -> None:
    with store.transaction() as state:
        state.put("k", "b", {"v": 2})
        state.put("k", "a", {"v": 1})
        state.put("other", "a", {"v": 3})
        state.put("k", "b", {"v": 4})
    with store.reader() as state:
        assert state.get("k", "a") == {"v": 1}
        assert state.get("k", "nope") is None
        assert list(state.scan("k")) == [{"v": 1}, {"v": 4}]


def test_a_transaction_that_raises_leaves_nothing(store: StateStore) -> None:
    with pytest.raises(RuntimeError), store.transaction() as state:
        state.put("k", "a", {"v": 1})
        assert state.claim("w", "e-1", 0)
        state.add_events([event(1)])
        state.add_mail(mail(1))
        raise RuntimeError
    with store.reader() as state:
        assert state.get("k", "a") is None
        assert state.pending_events(10) == []
        assert state.pending_mail(10) == []
    with store.transaction() as state:
        assert state.claim("w", "e-1", 0)  # the claim was undone too


def test_what_the_transport_did_in_a_transaction_that_raises_is_undone(system: System) -> None:
    system.engine.sqs.send_message("q", "one")
    with pytest.raises(RuntimeError), system.state.transaction() as state:
        transport = joined(system, state)
        assert transport.receive("q", max_messages=1, wait_time_s=0)
        state.put("k", "a", {"v": 1})
        transport.put_events([{"Source": "s", "DetailType": "T", "Detail": "{}"}])
        raise RuntimeError
    [message] = system.engine.sqs.peek_messages("q", 10)  # the routing undone, the
    assert message.body == "one"  # receipt too: the message visible again at once
    [again] = system.engine.sqs.receive_message("q", attribute_names=["ApproximateReceiveCount"])
    assert again.attributes["ApproximateReceiveCount"] == "1"


def test_a_claim_is_taken_once_per_consumer(store: StateStore) -> None:
    with store.transaction() as state:
        assert state.claim("inventory", "e-1", 0)
        assert not state.claim("inventory", "e-1", 1)
        assert state.claim("analytics", "e-1", 1)


def test_the_outbox_hands_out_pending_rows_oldest_first(store: StateStore) -> None:
    with store.transaction() as state:
        state.add_events([event(n) for n in range(3)])
    with store.transaction() as state:
        pending = state.pending_events(2)
        assert [row.event.event_id for row in pending] == ["e-0", "e-1"]
        assert pending[0].event.detail == {"n": 0}
        state.mark_published([pending[0].seq], 99)
    with store.reader() as state:
        assert [row.event.event_id for row in state.pending_events(10)] == ["e-1", "e-2"]
        rows = state.events_of("c-1")
        assert [(row.event.event_id, row.published_ms) for row in rows] == [
            ("e-0", 99),
            ("e-1", None),
            ("e-2", None),
        ]


def test_leased_rows_are_nobody_elses_until_the_lease_runs_out_or_fails(
    store: StateStore,
) -> None:
    with store.transaction() as state:
        state.add_events([event(n) for n in range(3)])
    with store.transaction() as state:
        leased = state.lease_pending(2, 1_000, 500)
        assert [row.event.event_id for row in leased] == ["e-0", "e-1"]
    with store.transaction() as state:
        assert [row.event.event_id for row in state.lease_pending(10, 1_200, 500)] == ["e-2"]
        state.mark_failed([leased[1].seq], "InternalFailure")  # ends its lease
        assert [row.event.event_id for row in state.lease_pending(10, 1_300, 500)] == ["e-1"]
    with store.transaction() as state:
        assert [row.event.event_id for row in state.lease_pending(10, 1_500, 500)] == ["e-0"]
        state.mark_published([leased[0].seq], 1_500)
    with store.transaction() as state:  # the leases ran out; the published row is gone
        assert [row.event.event_id for row in state.lease_pending(10, 5_000, 500)] == [
            "e-1",
            "e-2",
        ]
        assert state.lease_pending(10, 5_000, 500) == []


def test_a_row_failing_too_often_is_left_with_its_error(store: StateStore) -> None:
    with store.transaction() as state:
        state.add_events([event(1)])
        seq = state.pending_events(1)[0].seq
        for _ in range(MAX_FAILURES):
            state.mark_failed([seq], "ValidationException: no")
        assert state.pending_events(10) == []
        [row] = state.events_of("c-1")
        assert (row.failures, row.last_error) == (MAX_FAILURES, "ValidationException: no")


def test_events_put_in_a_transaction_are_routed_with_it(system: System) -> None:
    with system.state.transaction() as state:
        [result] = joined(system, state).put_events(
            [{"Source": "s", "DetailType": "T", "Detail": orjson.dumps({"a": 1}).decode()}]
        )
        assert result.event_id is not None
    [message] = system.engine.sqs.peek_messages("q", 10)
    assert orjson.loads(message.body)["detail"] == {"a": 1}


def test_acknowledging_deletes_received_messages_in_the_transaction(system: System) -> None:
    system.engine.sqs.send_message("q", "one")
    [received] = system.engine.sqs.receive_message("q")
    with pytest.raises(RuntimeError), system.state.transaction() as state:
        joined(system, state).acknowledge("q", [received.receipt_handle])
        raise RuntimeError
    assert len(system.engine.sqs.peek_messages("q", 10)) == 1
    with system.state.transaction() as state:
        joined(system, state).acknowledge("q", [received.receipt_handle])
    assert system.engine.sqs.peek_messages("q", 10) == []


def test_mail_is_sent_once_and_a_refused_mail_is_left_after_its_retries(store: StateStore) -> None:
    with store.transaction() as state:
        state.add_mail(mail(1))
        state.add_mail(mail(1))  # the same Message-ID: one email
        state.add_mail(mail(2))
    with store.transaction() as state:
        assert [m.message_id for m in state.pending_mail(10)] == ["<m1@t>", "<m2@t>"]
        assert state.mark_mail_sent("<m1@t>", 5)
        assert not state.mark_mail_sent("<m1@t>", 6)
        for _ in range(MAX_FAILURES):
            state.mark_mail_failed("<m2@t>", "550", permanent=True)
        assert state.pending_mail(10) == []


def test_mail_leased_by_one_relay_is_not_given_to_another_until_released_or_expired(
    store: StateStore,
) -> None:
    with store.transaction() as state:
        for n in (1, 2, 3, 4):
            state.add_mail(mail(n))
    with store.transaction() as state:
        first = state.lease_mail(2, 1_000, 500)
    assert [m.message_id for m in first] == ["<m1@t>", "<m2@t>"]  # oldest first
    with store.transaction() as state:
        assert [m.message_id for m in state.lease_mail(10, 1_100, 500)] == ["<m3@t>", "<m4@t>"]
        assert state.lease_mail(10, 1_200, 500) == []  # every one held
        assert len(state.pending_mail(10)) == 4  # still pending, whoever holds them
    with pytest.raises(RuntimeError), store.transaction() as state:
        state.release_mail(["<m2@t>"])
        raise RuntimeError  # rolled back: released with nothing
    with store.transaction() as state:
        assert state.lease_mail(10, 1_300, 500) == []
        state.mark_mail_sent("<m1@t>", 1_300)
        state.release_mail(["<m2@t>"])
    with store.transaction() as state:
        assert [m.message_id for m in state.lease_mail(10, 1_400, 500)] == ["<m2@t>"]
        assert [m.message_id for m in state.lease_mail(10, 1_600, 500)] == ["<m3@t>", "<m4@t>"]
        for _ in range(MAX_FAILURES):  # refused for good: never leased again
            state.mark_mail_failed("<m4@t>", "550", permanent=True)
        assert [m.message_id for m in state.lease_mail(10, 9_000, 500)] == ["<m2@t>", "<m3@t>"]


def test_the_outbox_shows_unsent_mail_with_its_last_error_and_retry_clears_it(
    store: StateStore,
) -> None:
    with store.transaction() as state:
        for n in (1, 2, 3):
            state.add_mail(mail(n))
        state.mark_mail_sent("<m1@t>", 5)
        for _ in range(MAX_FAILURES):
            state.mark_mail_failed("<m2@t>", "550 no such user", permanent=True)
        state.mark_mail_failed("<m3@t>", "Connection refused", permanent=False)
    with store.reader() as state:
        unsent = state.unsent_mail(10)
        assert [(u.mail.message_id, u.refusals, u.last_error, u.given_up) for u in unsent] == [
            ("<m2@t>", MAX_FAILURES, "550 no such user", True),
            ("<m3@t>", 0, "Connection refused", False),  # not refused: not counted
        ]
        assert [m.message_id for m in state.pending_mail(10)] == ["<m3@t>"]
        assert len(state.unsent_mail(1)) == 1
    with store.transaction() as state:
        assert state.retry_mail(["<m2@t>", "<m1@t>", "<m2@t>", "<nope@t>"]) == ["<m2@t>"]
    with store.transaction() as state:
        assert [m.message_id for m in state.pending_mail(10)] == ["<m2@t>", "<m3@t>"]
        assert [(u.refusals, u.last_error) for u in state.unsent_mail(10)] == [
            (0, None),
            (0, "Connection refused"),
        ]
        assert sorted(state.retry_mail(None)) == ["<m2@t>", "<m3@t>"]
        assert [u.last_error for u in state.unsent_mail(10)] == [None, None]
    with pytest.raises(RuntimeError), store.transaction() as state:
        state.mark_mail_failed("<m2@t>", "550 again", permanent=True)
        raise RuntimeError  # rolled back with the transaction
    with store.reader() as state:
        assert state.unsent_mail(10)[0].last_error is None


def test_the_journal_finds_attempts_by_journey_and_by_message(store: StateStore) -> None:
    attempts = [
        Attempt(
            "inventory",
            f"m-{n}",
            f"e-{n}",
            "c-1" if n else "c-2",
            None,
            "s",
            "T",
            1,
            Outcome.PROCESSED if n else Outcome.FAILED,
            None if n else "boom",
            n,
            0.5,
        )
        for n in range(3)
    ]
    with store.transaction() as state:
        state.record_attempts(attempts)
    with store.reader() as state:
        assert state.attempts_of("c-1") == attempts[1:]
        assert state.attempts_of_message("m-0") == attempts[:1]


def attempt(n: int, started_ms: int) -> Attempt:
    return Attempt(
        "inventory", f"m-{n}", f"e-{n}", "c-1", None, "s", "T", 1, Outcome.PROCESSED, None,
        started_ms, 0.5,
    )  # fmt: skip


def test_prune_takes_what_is_older_in_batches_and_never_what_is_pending(store: StateStore) -> None:
    with store.transaction() as state:
        state.record_attempts([attempt(n, when) for n, when in enumerate((10, 20, 30, 500))])
        state.add_events([event(1), event(2), event(3)])
        [first, second, _unpublished] = state.pending_events(10)
        state.mark_published([first.seq], 10)
        state.mark_published([second.seq], 500)
        for n in (1, 2, 3):
            state.add_mail(mail(n))
        state.mark_mail_sent("<m1@t>", 10)
        state.mark_mail_sent("<m2@t>", 500)
        state.claim("inventory", "e-1", 10)
        state.claim("inventory", "e-2", 500)
    with store.reader() as state:
        assert [state.count_older(r, 100) for r in ("attempts", "events", "emails")] == [3, 1, 1]
        assert state.count_older("processed", 100) == 1
    with pytest.raises(RuntimeError), store.transaction() as state:
        assert state.prune("attempts", 100, 10) == 3
        raise RuntimeError  # rolled back with the transaction
    with store.transaction() as state:
        assert state.prune("attempts", 100, 2) == 2  # a batch
        assert state.prune("attempts", 100, 2) == 1
        assert state.prune("attempts", 100, 2) == 0
        assert state.prune("events", 100, 10) == 1
        assert state.prune("emails", 100, 10) == 1
        assert state.prune("processed", 100, 10) == 1
    with store.reader() as state:
        assert [a.started_ms for a in state.attempts_of("c-1")] == [500]
        assert [(e.event.event_id, e.published_ms) for e in state.events_of("c-1")] == [
            ("e-2", 500),
            ("e-3", None),  # not published yet: never pruned
        ]
        assert [u.mail.message_id for u in state.unsent_mail(10)] == ["<m3@t>"]
    with store.transaction() as state:
        assert not state.mark_mail_sent("<m2@t>", 600)  # still there, still sent
        assert state.claim("inventory", "e-1", 600)  # its mark went
        assert not state.claim("inventory", "e-2", 600)  # its mark stayed


def test_the_backlogs_count_only_what_waits_to_go_out(store: StateStore) -> None:
    with store.transaction() as state:
        assert state.outbox_backlog() == {}
        assert state.mail_backlog() == Backlog(0, None)
        state.add_events([event(n) for n in (5, 7, 9)])
        state.add_events([OutgoingEvent("x-1", "c-2", None, "other", "T", {}, "default", 3)])
        for n in (4, 8):
            state.add_mail(mail(n))
    with store.transaction() as state:
        first = state.pending_events(1)[0]
        state.mark_published([first.seq], 100)
        state.mark_mail_sent("<m4@t>", 100)
    with store.reader() as state:
        assert state.outbox_backlog() == {"s": Backlog(2, 7), "other": Backlog(1, 3)}
        assert state.mail_backlog() == Backlog(1, 8)


def test_a_consumers_counters_commit_with_its_claims(store: StateStore) -> None:
    key = CounterKey.of("consumer_attempts", consumer="inventory", outcome="PROCESSED")
    for event_id, fails in (("e-1", True), ("e-2", False)):
        with contextlib.suppress(RuntimeError), store.transaction() as state:
            assert state.claim("inventory", event_id, 0)
            state.add_to_counters({key: 1.0})
            if fails:
                raise RuntimeError
    with store.transaction() as state:
        assert state.claim("inventory", "e-1", 0)  # the failed one's claim went with its count
        assert state.counters() == {key: 1.0}
