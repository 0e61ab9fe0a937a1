"""The system's topology: every consumer's queue, DLQ and rule, on the ``orders`` bus, and
a rule on the ``default`` bus forwarding the Node.js tutorial's events (which it puts on
the default bus) to ``orders``.

``SUBSCRIPTIONS`` is the table of consumers; ``topology_document()`` renders it in the
format of ``orderflow apply`` (the same file a team would keep in its repository), so
the embedded engine, and later AWS, get it from one place.
"""

from __future__ import annotations

from typing import Any, Final

from orderflow.events.legacy import LEGACY_SOURCE
from orderflow.services.analytics.consumer import SUBSCRIPTION as ANALYTICS
from orderflow.services.context import ORDERS_BUS
from orderflow.services.inventory.consumer import SUBSCRIPTION as INVENTORY
from orderflow.services.notifications.consumer import SUBSCRIPTION as NOTIFICATION
from orderflow.services.orders.consumer import SUBSCRIPTION as ORDER_PROCESSING
from orderflow.services.refunds.consumer import SUBSCRIPTION as REFUND
from orderflow.services.subscriptions import Subscription

SUBSCRIPTIONS: Final[dict[str, Subscription]] = {
    subscription.name: subscription
    for subscription in (ORDER_PROCESSING, INVENTORY, NOTIFICATION, ANALYTICS, REFUND)
}
MAX_RECEIVE_COUNT: Final = 3
VISIBILITY_TIMEOUT_S: Final = 30
DLQ_RETENTION_S: Final = 1_209_600
ARCHIVE: Final = "orders-archive"
TUTORIAL_FORWARD: Final = "tutorial-to-orders"


def topology_document() -> dict[str, Any]:
    """The topology as ``orderflow apply`` reads it."""
    queues: dict[str, Any] = {}
    rules: dict[str, Any] = {}
    for subscription in SUBSCRIPTIONS.values():
        queues[subscription.dead_letter_queue] = {
            "attributes": {"MessageRetentionPeriod": DLQ_RETENTION_S}
        }
        queues[subscription.queue] = {
            "attributes": {"VisibilityTimeout": VISIBILITY_TIMEOUT_S},
            "dead_letter_queue": subscription.dead_letter_queue,
            "max_receive_count": MAX_RECEIVE_COUNT,
        }
        rules[subscription.name] = {
            "bus": ORDERS_BUS,
            "description": subscription.description,
            "pattern": dict(subscription.pattern),
            "targets": [{"queue": subscription.queue}],
        }
    rules[TUTORIAL_FORWARD] = {
        "bus": "default",
        "description": "The Node.js tutorial publishes on the default bus: forward to orders",
        "pattern": {"source": [LEGACY_SOURCE]},
        "targets": [{"bus": ORDERS_BUS}],
    }
    return {
        "version": 1,
        "buses": {ORDERS_BUS: {"description": "Order, inventory, refund and notification events"}},
        "queues": queues,
        "rules": rules,
        "archives": {ARCHIVE: {"bus": ORDERS_BUS, "description": "Every event on the orders bus"}},
    }
