"""Event contracts: one pydantic model per detail-type and version.

Field names are the JSON names (camelCase) through aliases; models ignore unknown
fields, so a consumer written for version 1 reads version 2 unchanged.
"""

from orderflow.events.contracts.base import Contract, Item, Metadata
from orderflow.events.contracts.inventory import InventoryOutOfStock, InventoryReserved, Shortage
from orderflow.events.contracts.notifications import NotificationSent
from orderflow.events.contracts.orders import (
    CustomerV1,
    CustomerV2,
    OrderCancelled,
    OrderCreatedV1,
    OrderCreatedV2,
    OrderSummary,
    OrderUpdated,
    OrderV1,
    OrderV2,
    Payment,
)
from orderflow.events.contracts.refunds import RefundCompleted, RefundDetails, RefundIssued

__all__ = [
    "Contract",
    "CustomerV1",
    "CustomerV2",
    "InventoryOutOfStock",
    "InventoryReserved",
    "Item",
    "Metadata",
    "NotificationSent",
    "OrderCancelled",
    "OrderCreatedV1",
    "OrderCreatedV2",
    "OrderSummary",
    "OrderUpdated",
    "OrderV1",
    "OrderV2",
    "Payment",
    "RefundCompleted",
    "RefundDetails",
    "RefundIssued",
    "Shortage",
]
