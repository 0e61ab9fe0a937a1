"""Stock in and out: the operator's adjustment (PUT) and the stock list (GET)."""

from __future__ import annotations

from pydantic import Field, field_validator

from orderflow.domain.money import has_more_than_cents
from orderflow.domain.orders import MAX_PRICE, MAX_STOCK
from orderflow.entrypoints.api.models.base import RequestBody, ResponseBody


class SetStockRequest(RequestBody):
    available: int = Field(
        ge=0,
        le=MAX_STOCK,
        description=f"The quantity now available (replaces the level), at most {MAX_STOCK}.",
    )
    price: float | None = Field(
        default=None,
        gt=0,
        le=float(MAX_PRICE),
        allow_inf_nan=False,
        description=(
            "The unit price in the catalog. Required for a SKU the catalog does not have "
            "(that adds it to the catalog, so it can be ordered); for a known SKU, replaces it."
        ),
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The product's name (a new SKU defaults to the SKU itself).",
    )

    @field_validator("price")
    @classmethod
    def _cents(cls, price: float | None) -> float | None:
        if price is not None and has_more_than_cents(price):
            raise ValueError("must not have more than 2 decimals")
        return price


class StockLevel(ResponseBody):
    sku: str
    available: int
    name: str | None = Field(default=None, description="None if the catalog lacks the SKU.")
    price: float | None = Field(default=None, description="None if the catalog lacks the SKU.")


class StockList(ResponseBody):
    stock: list[StockLevel]
