"""The demo's scenarios, each a step that checks its own outcome.

1. A poison event first (a tutorial-format order for a SKU the inventory has never
   heard of): inventory fails it, retries with backoff, and its queue moves it to
   ``inventory-dlq``; it is fixed and re-driven at the end, while the rest runs.
2. The tutorial: create an order through the API, update it, cancel it.
3. The fan-out: one OrderCreated reaches every consumer that wants it.
4. Out of stock: the refund saga, chained by events only, ends REFUNDED.
5. Versions: an OrderCreated 1.0 from an older publisher beside 2.0 events.
6. The poison event's fix (the SKU added) and its re-drive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, TypeVar

import orjson

from orderflow.bootstrap.catalog import stock_product
from orderflow.bootstrap.system import System
from orderflow.entrypoints.system.client import OrderApi
from orderflow.runtime.journal import Outcome
from orderflow.services.orders.records import ORDER
from orderflow.services.topology import SUBSCRIPTIONS

T = TypeVar("T")
TIMEOUT_S: Final = 15.0
POISON_SKU: Final = "GIFT-CARD"


class DemoFailed(AssertionError):
    """A scenario did not reach the outcome it expects."""


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = TIMEOUT_S) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise DemoFailed(f"timed out after {timeout_s:.0f} s waiting for {what}")


@dataclass
class Demo:
    system: System
    api: OrderApi
    say: Callable[[str], None]
    orders: dict[str, str] = field(default_factory=dict)
    """Label → order id, for the summary."""

    # -- helpers ---------------------------------------------------------------------

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.system.state.reader() as state:
            return state.get(ORDER, order_id)

    def wait_status(self, order_id: str, status: str) -> dict[str, Any]:
        return wait_for(
            f"order {order_id} to be {status}",
            lambda: (doc := self.order(order_id)) and doc["status"] == status and doc,
        )

    def consumers_done(self, correlation_id: str, detail_type: str) -> set[str]:
        with self.system.state.reader() as state:
            attempts = state.attempts_of(correlation_id)
        return {
            a.consumer
            for a in attempts
            if a.detail_type == detail_type and a.outcome is Outcome.PROCESSED
        }

    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        result = self.system.engine.events.put_events(
            [
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": orjson.dumps(detail).decode(),
                    "EventBusName": "orders",
                }
            ]
        )
        entry = result.entries[0]
        if entry.event_id is None:
            raise DemoFailed(f"PutEvents refused the event: {entry.error_message}")
        return entry.event_id

    def dlq_depth(self, name: str) -> int:
        attributes = self.system.engine.sqs.get_queue_attributes(
            SUBSCRIPTIONS[name].dead_letter_queue,
            ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
        return sum(int(value) for value in attributes.values())

    # -- scenarios -------------------------------------------------------------------

    def poison(self) -> None:
        self.say(
            f"[bold]1. poison[/]: a tutorial-format order for SKU {POISON_SKU}, which the "
            "inventory does not know: inventory will fail it, retry, and dead-letter it"
        )
        self.put(
            "com.example.orders",
            "OrderCreated",
            {
                "orderId": "legacy-poison-1",
                "status": "CREATED",
                "timestamp": "2026-11-30T09:00:00Z",
                "customerId": "legacy-customer",
                "items": [{"productId": POISON_SKU, "quantity": 1, "price": 50}],
                "total": 50,
            },
        )
        self.orders["poison (tutorial format)"] = "legacy-poison-1"

    def tutorial(self, pause_s: float) -> None:
        self.say("[bold]2. tutorial[/]: create an order, update it, cancel it (through the API)")
        created = self.api.create_order(
            {
                "customer": {"userId": "ada", "isRefundEligible": True},
                "items": [
                    {"sku": "KB-001", "quantity": 1, "price": 89.0},
                    {"sku": "MS-002", "quantity": 2, "price": 29.5},
                ],
            }
        )
        order_id = created["orderId"]
        self.orders["tutorial"] = order_id
        self.say(f"   created {order_id}: {created['totalAmount']} USD")
        self.wait_status(order_id, "CONFIRMED")
        time.sleep(pause_s)
        self.api.update_order(
            order_id,
            {
                "items": [
                    {"sku": "KB-001", "quantity": 1, "price": 89.0},
                    {"sku": "MS-002", "quantity": 2, "price": 29.5},
                    {"sku": "CB-004", "quantity": 3, "price": 9.99},
                ]
            },
        )
        self.say("   updated: added 3 x CB-004")
        time.sleep(pause_s)
        self.api.cancel_order(order_id, "changed my mind")
        self.wait_status(order_id, "CANCELLED")
        wait_for(
            "inventory to release the cancelled order's stock",
            lambda: (
                self.consumers_done(created["correlationId"], "OrderCancelled")
                >= {"inventory", "notification", "order-processing", "analytics"}
            ),
        )
        self.say("   cancelled: stock released, customer told")

    def fan_out(self) -> None:
        self.say("[bold]3. fan-out[/]: one OrderCreated, every consumer that wants it")
        created = self.api.create_order(
            {
                "customer": {"userId": "grace", "isRefundEligible": False},
                "currency": "EUR",
                "channel": "mobile",
                "items": [{"sku": "HP-005", "quantity": 1, "price": 199.0}],
            }
        )
        self.orders["fan-out"] = created["orderId"]
        wanted = {"order-processing", "inventory", "notification", "analytics"}

        def reached() -> set[str] | None:
            done = self.consumers_done(created["correlationId"], "OrderCreated")
            return done if done >= wanted else None

        done = wait_for("OrderCreated to reach every consumer", reached)
        self.say(f"   OrderCreated processed by: {', '.join(sorted(done))}")
        self.wait_status(created["orderId"], "CONFIRMED")

    def out_of_stock(self) -> None:
        self.say("[bold]4. out of stock[/]: 2 x LT-006 (1 in stock) for a refund-eligible customer")
        created = self.api.create_order(
            {
                "customer": {"userId": "linus", "isRefundEligible": True},
                "items": [{"sku": "LT-006", "quantity": 2, "price": 1899.0}],
            }
        )
        self.orders["out of stock (saga)"] = created["orderId"]
        self.wait_status(created["orderId"], "REFUNDED")
        self.say("   InventoryOutOfStock → RefundIssued → RefundCompleted: order REFUNDED")

    def versions(self) -> None:
        self.say("[bold]5. versions[/]: an OrderCreated 1.0 (no channel, no isRefundEligible)")
        self.put(
            "com.mycompany.orders",
            "OrderCreated",
            {
                "eventVersion": "1.0",
                "order": {
                    "orderId": "v1-order-1",
                    "totalAmount": 19.98,
                    "currency": "USD",
                    "items": [{"sku": "CB-004", "quantity": 2, "price": 9.99}],
                },
                "customer": {"userId": "old-client"},
                "payment": {"method": "card"},
                "metadata": {"createdAt": "2026-11-30T09:00:00Z", "correlationId": "v1-journey"},
            },
        )
        self.orders["version 1.0 event"] = "v1-order-1"
        self.wait_status("v1-order-1", "CONFIRMED")
        self.say(
            "   read as 2.0 by inventory (channel 'unknown', not refund-eligible), "
            "as 1.0 by notification"
        )

    def fix_poison(self) -> None:
        self.say("[bold]6. re-drive[/]: waiting for the poison event to reach inventory-dlq")
        wait_for("the poison event in inventory-dlq", lambda: self.dlq_depth("inventory") == 1)
        with self.system.state.reader() as state:
            failures = [
                a
                for a in state.attempts_of("legacy-poison-1")
                if a.consumer == "inventory" and a.outcome is Outcome.FAILED
            ]
        self.say(
            f"   inventory failed it {len(failures)} times: "
            f"{failures[-1].error if failures else '?'}"
        )
        with self.system.state.transaction() as state:
            stock_product(state, POISON_SKU, 10, price=Decimal(50), name="Gift card")
        self.say(f"   fix: orderflow inventory set {POISON_SKU} 10 --price 50 --name 'Gift card'")
        self.system.engine.sqs.start_message_move_task(
            self.system.engine.scope.queue_arn(SUBSCRIPTIONS["inventory"].dead_letter_queue)
        )
        self.say("   orderflow dlq redrive inventory")
        self.wait_status("legacy-poison-1", "CONFIRMED")
        self.say("   re-driven and processed: the order is CONFIRMED")
