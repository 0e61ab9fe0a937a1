"""A shipping service outside orderflow: reacts to InventoryReserved, records a shipment and
emits OrderShipped, a contract of its own (two versions, the older one upcast).

    PYTHONPATH=examples/shipping orderflow up --app shipping:app --replicas shipping=2
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from orderflow.app import App, Context, Contract, Envelope, Metadata, QueueSettings
from orderflow.events.contracts import InventoryReserved

SOURCE = "com.example.shipping"
SHIPMENTS = "shipping.shipment"
"""The consumer's own documents: one shipment per order, by order id."""
CARRIER = "parcel-post"


class OrderShippedV1(Contract):
    """Version 1.0: the order and its carrier."""

    SOURCE: ClassVar[str] = SOURCE
    DETAIL_TYPE: ClassVar[str] = "OrderShipped"
    VERSION: ClassVar[str] = "1.0"

    event_version: Literal["1.0"] = "1.0"
    order_id: str = Field(min_length=1, max_length=128)
    carrier: str = Field(min_length=1, max_length=64)
    metadata: Metadata


class OrderShipped(Contract):
    """Version 2.0 adds the parcels' count (a 1.0 event reads as one parcel)."""

    SOURCE: ClassVar[str] = SOURCE
    DETAIL_TYPE: ClassVar[str] = "OrderShipped"
    VERSION: ClassVar[str] = "2.0"

    event_version: Literal["2.0"] = "2.0"
    order_id: str = Field(min_length=1, max_length=128)
    carrier: str = Field(min_length=1, max_length=64)
    parcels: int = Field(ge=1, le=1_000)
    metadata: Metadata


def shipped_v1_to_v2(event: OrderShippedV1) -> OrderShipped:
    return OrderShipped(
        order_id=event.order_id, carrier=event.carrier, parcels=1, metadata=event.metadata
    )


app = App("shipping")
app.contract(OrderShippedV1, OrderShipped, upcasters={OrderShippedV1: shipped_v1_to_v2})

shipping = app.consumer(
    "shipping",
    description="Reserved orders are shipped",
    pattern={"source": ["com.mycompany.inventory"], "detail-type": ["InventoryReserved"]},
    settings=QueueSettings(visibility_timeout_s=30, max_receive_count=3, retry_base_s=1),
)


@shipping.on("InventoryReserved")
def ship(event: Envelope, ctx: Context) -> None:
    reserved = ctx.decode(InventoryReserved)
    order_id = reserved.order.order_id
    if ctx.state.get(SHIPMENTS, order_id) is not None:
        return  # shipped already (a second reservation after a change of the order)
    parcels = max(1, sum(item.quantity for item in reserved.reserved) // 10)
    ctx.state.put(
        SHIPMENTS,
        order_id,
        {"orderId": order_id, "carrier": CARRIER, "parcels": parcels, "at": ctx.now_iso},
    )
    ctx.emit(
        OrderShipped(
            order_id=order_id, carrier=CARRIER, parcels=parcels, metadata=ctx.metadata()
        )
    )
