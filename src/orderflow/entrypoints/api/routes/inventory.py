"""``/inventory``: stock per SKU with its catalog entry, and the operator's adjustment.

``PUT /inventory/{sku}`` sets the available quantity. A SKU the catalog does not have
yet needs a ``price``: it is added to the catalog too (name defaulting to the SKU), so
it can be ordered at once; stock the catalog does not list could never be sold, and
the catalog is what ``POST /orders`` checks SKUs against. For a SKU already in the
catalog, ``price`` and ``name`` are optional and replace the catalog's when given.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Response
from fastapi.exceptions import RequestValidationError

from orderflow.bootstrap.catalog import PriceRequired, stock_product
from orderflow.bootstrap.system import System
from orderflow.entrypoints.api.media_type import require_json
from orderflow.entrypoints.api.models.inventory import SetStockRequest, StockLevel, StockList
from orderflow.entrypoints.api.queries import stock_level, stock_levels
from orderflow.entrypoints.api.routes.responses import BODY_REFUSED, invalid
from orderflow.events.contracts.base import SKU_PATTERN

Sku = Annotated[str, Path(min_length=1, max_length=64, pattern=SKU_PATTERN, examples=["KB-001"])]

SET_EXAMPLES: dict[str, Any] = {
    "restock": {"summary": "Restock a catalog SKU", "value": {"available": 40}},
    "new product": {
        "summary": "A new SKU: stock and catalog entry",
        "value": {"available": 10, "price": 59.0, "name": "Webcam"},
    },
}


def inventory_routes(system: System) -> APIRouter:
    router = APIRouter(prefix="/inventory", tags=["inventory"])

    @router.get("", summary="Stock per SKU, with catalog name and price")
    def list_stock() -> StockList:
        """Every SKU with a stock level, by SKU. Held (reserved) units are not included."""
        return StockList(stock=stock_levels(system))

    @router.put(
        "/{sku}",
        summary="Set a SKU's available stock (an operator adjustment)",
        response_description="The SKU's stock and catalog entry; 201 if it is new to the catalog",
        responses={
            201: {"model": StockLevel, "description": "A new SKU, added to the catalog"},
            **BODY_REFUSED,
            **invalid("Invalid body, or a SKU new to the catalog without a price"),
        },
        dependencies=[Depends(require_json)],
    )
    def set_sku_stock(
        sku: Sku,
        request: Annotated[SetStockRequest, Body(openapi_examples=SET_EXAMPLES)],
        response: Response,
    ) -> StockLevel:
        """Replace the available quantity of ``sku``. A SKU not in the catalog needs
        ``price`` and is added to it (``name`` defaults to the SKU), so it can be ordered;
        for a catalog SKU, ``price`` and ``name`` replace the catalog's when given."""
        price = None if request.price is None else Decimal(str(request.price))
        try:
            with system.state.transaction() as state:
                new = stock_product(state, sku, request.available, price=price, name=request.name)
                level = stock_level(state, sku)
        except PriceRequired:
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "price"),
                        "msg": f"required for {sku!r}, which is not in the catalog yet",
                        "type": "missing",
                    }
                ]
            ) from None
        if new:
            response.status_code = 201
        return level

    return router
