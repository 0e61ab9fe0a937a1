"""orderflow's public API: add a consumer without forking orderflow.

An ``App`` collects consumers and event contracts::

    from orderflow.app import App, Context, Envelope

    app = App("shipping")
    shipping = app.consumer(
        "shipping", pattern={"detail-type": ["InventoryReserved"]}, description="Ship orders"
    )

    @shipping.on("InventoryReserved")
    def ship(event: Envelope, ctx: Context) -> None:
        reserved = ctx.decode(InventoryReserved)
        ctx.state.put("shipping.shipment", reserved.order.order_id, {...})
        ctx.emit(OrderShipped(..., metadata=ctx.metadata()))

and runs beside the built-in services: ``orderflow up --app shipping:app``, or one
consumer with ``orderflow worker --app shipping:app shipping``. A handler is a plain
function of (event, ctx): the event's envelope, and its ``Context`` — its consumer's own
documents (``ctx.state``), the outbox (``ctx.emit``), the mail outbox (``ctx.send_mail``)
— all in one transaction with the claim of the event's id: exactly-once effects. A
handler that raises fails the event: it is retried after a backoff
(``QueueSettings.retry_base_s``, doubled each time) and, after
``QueueSettings.max_receive_count`` receives, lands in the consumer's DLQ.

orderflow's own five services are built on this API alone (``orderflow.services``).
"""

from orderflow.app.application import App, AppFactory
from orderflow.app.consumer import Consumer, Handler, QueueSettings
from orderflow.app.context import ORDERS_BUS, Context
from orderflow.app.errors import AppError, AppNotFound, ConsumerDeclarationError, DuplicateConsumer
from orderflow.app.state import OutgoingEvent, OutgoingMail, ServiceState
from orderflow.events.contracts import Contract, Metadata
from orderflow.events.declaration import EventContract, Upcaster
from orderflow.events.envelope import Envelope
from orderflow.events.errors import ContractDeclarationError, ContractError

__all__ = [
    "ORDERS_BUS",
    "App",
    "AppError",
    "AppFactory",
    "AppNotFound",
    "Consumer",
    "ConsumerDeclarationError",
    "Context",
    "Contract",
    "ContractDeclarationError",
    "ContractError",
    "DuplicateConsumer",
    "Envelope",
    "EventContract",
    "Handler",
    "Metadata",
    "OutgoingEvent",
    "OutgoingMail",
    "QueueSettings",
    "ServiceState",
    "Upcaster",
]
