"""The inventory service's events: InventoryReserved, InventoryOutOfStock."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from orderflow.events.contracts.base import Contract, Item, Metadata
from orderflow.events.contracts.orders import CustomerV2, OrderSummary

INVENTORY_SOURCE = "com.mycompany.inventory"


class Shortage(Contract):
    sku: str
    requested: int = Field(gt=0)
    available: int = Field(ge=0)


class InventoryReserved(Contract):
    SOURCE: ClassVar[str] = INVENTORY_SOURCE
    DETAIL_TYPE: ClassVar[str] = "InventoryReserved"
    VERSION: ClassVar[str] = "1.0"

    event_version: Literal["1.0"] = "1.0"
    order: OrderSummary
    customer: CustomerV2
    reserved: list[Item]
    metadata: Metadata


class InventoryOutOfStock(Contract):
    SOURCE: ClassVar[str] = INVENTORY_SOURCE
    DETAIL_TYPE: ClassVar[str] = "InventoryOutOfStock"
    VERSION: ClassVar[str] = "1.0"

    event_version: Literal["1.0"] = "1.0"
    order: OrderSummary
    customer: CustomerV2
    shortages: list[Shortage]
    metadata: Metadata
