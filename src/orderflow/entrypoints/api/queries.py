"""What the API reads: orders and stock, each in one read-only transaction.

Listing scans every order document and sorts them: fine for the embedded engine's
scale; an index by creation time belongs in the order records when that stops being so.
"""

from __future__ import annotations

from typing import Any

from orderflow.bootstrap.system import System
from orderflow.domain.orders import OrderStatus
from orderflow.entrypoints.api.models.inventory import StockLevel
from orderflow.services.inventory.records import STOCK, Stock
from orderflow.services.orders.records import CATALOG, Orders
from orderflow.services.ports import ServiceState


def order_document(system: System, order_id: str) -> dict[str, Any] | None:
    with system.state.reader() as state:
        return Orders(state).document(order_id)


def recent_orders(system: System, status: OrderStatus | None, limit: int) -> list[dict[str, Any]]:
    """Newest first (by ``createdAt``, to the second; ties by order id, descending)."""
    with system.state.reader() as state:
        documents = Orders(state).all()
    if status is not None:
        documents = [document for document in documents if document["status"] == status.value]
    documents.sort(key=lambda document: (document["createdAt"], document["orderId"]), reverse=True)
    return documents[:limit]


def stock_levels(system: System) -> list[StockLevel]:
    """Every SKU with stock, with its catalog name and price (SKUs by name order)."""
    with system.state.reader() as state:
        return [stock_level(state, sku) for sku in sorted(Stock(state).levels())]


def stock_level(state: ServiceState, sku: str) -> StockLevel:
    stock = state.get(STOCK, sku)
    product = state.get(CATALOG, sku)
    return StockLevel(
        sku=sku,
        available=0 if stock is None else int(stock["available"]),
        name=None if product is None else product["name"],
        price=None if product is None else float(product["price"]),
    )
