"""Exactly-once effects: redeliveries, relay retries and replays change nothing twice."""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest

from orderflow.adapters.memory.mailer import MemoryMailer
from orderflow.runtime.journal import Attempt, Outcome
from orderflow.runtime.mail import LEASE_MS as MAIL_LEASE_MS
from orderflow.runtime.mail import MailRelay
from orderflow.runtime.ports import Mailer
from orderflow.services.notifications.messages import SENDER
from orderflow.services.notifications.sent import notification_sent
from orderflow.services.ports import OutgoingMail
from tests.services.harness import Harness, make_harness

pytestmark = pytest.mark.usefixtures("transport")


def _messages_of(h: Harness, queue: str) -> list[str]:
    return h.carrier.bodies(queue)


def _all_attempts(h: Harness) -> list[Attempt]:
    with h.system.state.reader() as state:
        orders = [doc["correlationId"] for doc in state.scan("orders.order")]
        return [a for correlation in orders for a in state.attempts_of(correlation)]


def test_a_redelivered_order_created_reserves_stock_and_mails_once() -> None:
    h = make_harness()
    order_id = h.place(("KB-001", 5, "89.00"))
    h.system.relay.publish_pending()
    body = _messages_of(h, "inventory")[0]
    notification_body = _messages_of(h, "notification")[0]
    h.settle()
    # The same message arrives again (an at-least-once redelivery, or a relay that
    # published twice): the consumers' guards must make it a no-op.
    h.carrier.send("inventory", body)
    h.carrier.send("notification", notification_body)
    h.settle()
    assert h.stock("KB-001") == 495
    assert [m.kind for m in h.mailer.sent] == ["confirmation"]
    correlation_id = h.order(order_id)["correlationId"]
    with h.system.state.reader() as state:
        outcomes = [
            a.outcome for a in state.attempts_of(correlation_id) if a.consumer == "inventory"
        ]
    assert outcomes.count(Outcome.PROCESSED) == 1
    assert outcomes.count(Outcome.DUPLICATE) == 1


def test_replaying_the_archive_changes_nothing() -> None:
    h = make_harness()
    h.place(("LT-006", 3, "1899.00"), eligible=True)
    h.place(("MS-002", 1, "29.50"))
    h.settle()
    stock_before = (h.stock("LT-006"), h.stock("MS-002"))
    mails_before = len(h.mailer.sent)
    h.clock.advance(seconds=1)
    h.carrier.replay("orders-archive", "orders", h.clock.now_ms() / 1000)
    assert h.settle() > 0
    assert (h.stock("LT-006"), h.stock("MS-002")) == stock_before
    assert len(h.mailer.sent) == mails_before
    with h.system.state.reader() as state:
        refunds = list(state.scan("refunds.refund"))
    assert len(refunds) == 1
    duplicates = [
        a for a in _all_attempts(h) if a.outcome is Outcome.DUPLICATE and a.consumer == "refund"
    ]
    assert duplicates, "the replay delivered the saga's events again"


def test_the_outbox_is_published_once_even_if_the_relay_runs_again() -> None:
    h = make_harness()
    h.place(("KB-001", 1, "89.00"))
    assert h.system.relay.publish_pending() == 0  # the command's relay already did it
    assert h.depth("inventory") == 1


def test_a_failing_mail_server_keeps_the_email_until_it_recovers() -> None:
    h = make_harness()
    h.mailer.failing = "connection refused"
    h.place(("KB-001", 1, "89.00"))
    h.settle()
    assert h.mailer.sent == []
    h.mailer.failing = None
    h.clock.advance(seconds=2)
    h.workers["notification"]._last_sweep = 0  # the next round sweeps the outboxes
    h.settle()
    assert [m.kind for m in h.mailer.sent] == ["confirmation"]
    assert len({m.message_id for m in h.mailer.sent}) == 1


def test_a_poison_event_goes_to_the_dlq_after_max_receives_with_its_reason() -> None:
    h = make_harness()
    h.put("com.mycompany.orders", "OrderCreated", {"eventVersion": "9.0", "order": {}})
    for _ in range(3):
        h.settle()
        h.clock.advance(seconds=10)  # past the backoff
    h.settle()
    for queue in ("inventory", "order-processing", "notification", "analytics"):
        assert h.depth(queue) == 0, queue
        assert h.depth(f"{queue}-dlq") == 1, queue
    body = orjson.loads(h.carrier.bodies("inventory-dlq")[0])
    with h.system.state.reader() as state:
        attempts = state.attempts_of(body["id"])
    inventory = [a for a in attempts if a.consumer == "inventory"]
    assert [a.receive_count for a in inventory] == [1, 2, 3]
    assert all(a.outcome is Outcome.FAILED for a in inventory)
    assert "UnknownEventVersion" in (inventory[-1].error or "")
    assert "'9.0'" in (inventory[-1].error or "")


def test_a_poison_event_in_a_batch_does_not_hold_back_the_others() -> None:
    h = make_harness()
    h.put("com.mycompany.orders", "OrderCreated", {"eventVersion": "9.0", "order": {}})
    good = h.place(("KB-001", 1, "89.00"))
    report = h.workers["inventory"].run_once()
    assert (report.received, report.processed, report.failed) == (2, 1, 1)
    assert h.stock("KB-001") == 499
    correlation_id = h.order(good)["correlationId"]
    with h.system.state.reader() as state:
        attempts = state.attempts_of(correlation_id)
    assert [a.outcome for a in attempts] == [Outcome.PROCESSED]


def test_an_event_whose_order_is_not_an_object_fails_alone() -> None:
    h = make_harness()
    h.put("com.mycompany.orders", "OrderCreated", {"eventVersion": "2.0", "order": "oops"})
    good = h.place(("KB-001", 1, "89.00"))
    report = h.workers["analytics"].run_once()
    assert (report.received, report.processed, report.failed) == (2, 1, 1)
    assert h.order(good)["orderId"] == good


def test_an_email_refused_for_good_never_blocks_the_ones_behind_it() -> None:
    h = make_harness()
    h.mailer.refused.add("gone@customers.orderflow.test")
    h.place(("KB-001", 1, "89.00"), customer="gone")
    for _ in range(6):  # the refused email is tried, then left for an operator
        h.workers["notification"]._last_sweep = 0
        h.settle()
    h.place(("KB-001", 1, "89.00"), customer="here")
    h.settle()
    assert [m.recipient for m in h.mailer.sent] == ["here@customers.orderflow.test"]
    with h.system.state.reader() as state:
        assert state.pending_mail(10) == []


def mail_relay(h: Harness, mailer: Mailer) -> MailRelay:
    """A mail relay of its own on the system's state, as another process has."""
    return MailRelay(
        h.system.state, h.system.relay, mailer, h.clock, sender=SENDER, announce=notification_sent
    )


def test_two_mail_relays_racing_announce_an_email_once() -> None:
    h = make_harness()
    h.place(("KB-001", 1, "89.00"))
    h.workers["order-processing"].run_once()  # nothing to do with mail: no relay there
    notification = h.system.worker("notification", wait_time_s=0)  # handles, no mailer
    notification.run_once()
    other = mail_relay(h, h.mailer)

    class RacingMailer(MemoryMailer):
        """Sends so slowly that its lease runs out: the other relay sends and records the
        same email meanwhile."""

        def send(self, mail: OutgoingMail, sender: str) -> None:
            h.clock.advance(ms=MAIL_LEASE_MS)
            other.send_pending()
            super().send(mail, sender)

    assert mail_relay(h, RacingMailer()).send_pending() == (1, [])
    [mail] = h.mailer.sent
    with h.system.state.reader() as state:
        events = [row.event.detail_type for row in state.events_of(mail.correlation_id)]
    assert events.count("NotificationSent") == 1


def test_two_mail_relays_at_once_send_an_email_once() -> None:
    h = make_harness()
    h.place(("KB-001", 1, "89.00"))
    h.system.worker("notification", wait_time_s=0).run_once()  # handles, no mailer
    other = mail_relay(h, h.mailer)

    class BusyMailer(MemoryMailer):
        """While this relay sends, the other one runs a round of its own."""

        def send(self, mail: OutgoingMail, sender: str) -> None:
            assert other.send_pending() == (0, [])  # leased by the first: none for it
            h.mailer.send(mail, sender)

    assert mail_relay(h, BusyMailer()).send_pending() == (1, [])
    assert len(h.mailer.sent) == 1  # one send over SMTP, not one per relay
    assert other.send_pending() == (0, [])  # sent: nothing left


def test_an_outbox_row_the_bus_refuses_fails_alone_and_is_left_with_its_error() -> None:
    from orderflow.services.ports import OutgoingEvent

    h = make_harness()
    with h.system.state.transaction() as state:
        state.add_events(
            [
                OutgoingEvent(
                    f"e-{n}",
                    "c-1",
                    None,
                    "com.mycompany.orders",
                    "OrderShipped",
                    {"n": n},
                    "no-such-bus" if n == 1 else "orders",
                    0,
                )
                for n in range(3)
            ]
        )
    for _ in range(6):
        h.system.relay.publish_pending()
    with h.system.state.reader() as state:
        rows = {row.event.event_id: row for row in state.events_of("c-1")}
    assert rows["e-0"].published_ms is not None
    assert rows["e-2"].published_ms is not None
    assert rows["e-1"].published_ms is None
    assert rows["e-1"].failures == 5
    assert "ResourceNotFoundException" in (rows["e-1"].last_error or "")
    with h.system.state.reader() as state:
        assert state.pending_events(10) == []


def test_a_mail_server_that_stays_down_is_tried_less_and_less_often() -> None:
    h = make_harness()
    relay = h.workers["notification"]._mail
    assert relay is not None
    tries: list[int] = []
    send = h.mailer.send

    def counting(mail: Any, sender: str) -> None:
        tries.append(h.clock.now_ms())
        send(mail, sender)

    h.mailer.send = counting  # type: ignore[method-assign]
    h.mailer.failing = "connection refused"
    h.place(("KB-001", 1, "89.00"))
    h.settle()
    for _ in range(40):  # a round every half second for 20 s
        relay.send_pending()
        h.clock.advance(seconds=0.5)
    gaps = [later - earlier for earlier, later in itertools.pairwise(tries)]
    assert gaps[:4] == [1_000, 2_000, 4_000, 8_000]  # 1 s, then twice as long each time
    with h.system.state.reader() as state:
        [waiting] = state.unsent_mail(10)
    assert (waiting.refusals, waiting.last_error) == (0, "connection refused")
    h.mailer.failing = None
    h.clock.advance(seconds=60)
    assert relay.send_pending()[0] == 1
