"""orderflow's own application: the five services, their event contracts, the ``orders``
bus, its archive and the rule forwarding the Node.js tutorial's events — declared with
the public API (``orderflow.app``), as any other application is."""

from __future__ import annotations

from typing import Final

from orderflow.app import ORDERS_BUS, App
from orderflow.events.legacy import LEGACY_SOURCE
from orderflow.events.registry import builtin_contracts
from orderflow.services.analytics.consumer import CONSUMER as ANALYTICS
from orderflow.services.inventory.consumer import CONSUMER as INVENTORY
from orderflow.services.notifications.consumer import CONSUMER as NOTIFICATION
from orderflow.services.orders.consumer import CONSUMER as ORDER_PROCESSING
from orderflow.services.refunds.consumer import CONSUMER as REFUND

NAME: Final = "orderflow"
ARCHIVE: Final = "orders-archive"
TUTORIAL_FORWARD: Final = "tutorial-to-orders"


def builtin_app() -> App:
    """The built-in services as one application (a new App each call)."""
    return App(
        NAME,
        consumers=(ORDER_PROCESSING, INVENTORY, NOTIFICATION, ANALYTICS, REFUND),
        contracts=builtin_contracts(),
        buses={ORDERS_BUS: "Order, inventory, refund and notification events"},
        rules={
            TUTORIAL_FORWARD: {
                "bus": "default",
                "description": "The Node.js tutorial publishes on the default bus: "
                "forward to orders",
                "pattern": {"source": [LEGACY_SOURCE]},
                "targets": [{"bus": ORDERS_BUS}],
            }
        },
        archives={ARCHIVE: {"bus": ORDERS_BUS, "description": "Every event on the orders bus"}},
    )
