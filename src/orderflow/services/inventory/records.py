"""Stock levels and reservations as stored documents."""

from __future__ import annotations

from typing import Any, Final

from orderflow.app import ServiceState

STOCK: Final = "inventory.stock"
RESERVATION: Final = "inventory.reservation"

HELD: Final = "HELD"
RELEASED: Final = "RELEASED"
REFUSED: Final = "REFUSED"
CANCELLED_EARLY: Final = "CANCELLED_EARLY"
"""A cancel that arrived before the order's creation: the creation must not reserve."""


class Stock:
    """Stock per SKU inside a transaction."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state

    def levels(self, skus: set[str] | None = None) -> dict[str, int]:
        if skus is None:
            return {doc["sku"]: int(doc["available"]) for doc in self._state.scan(STOCK)}
        levels = {}
        for sku in skus:
            document = self._state.get(STOCK, sku)
            if document is not None:
                levels[sku] = int(document["available"])
        return levels

    def set_levels(self, levels: dict[str, int]) -> None:
        for sku, available in levels.items():
            self._state.put(STOCK, sku, {"sku": sku, "available": available})

    def reservation(self, order_id: str) -> dict[str, Any] | None:
        return self._state.get(RESERVATION, order_id)

    def save_reservation(self, order_id: str, document: dict[str, Any]) -> None:
        self._state.put(RESERVATION, order_id, document)


def set_stock(state: ServiceState, sku: str, available: int) -> None:
    """Set a SKU's available quantity (the operator's adjustment, or seeding)."""
    if available < 0:
        raise ValueError("available stock cannot be negative")
    Stock(state).set_levels({sku: available})
