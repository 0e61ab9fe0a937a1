"""The product catalog and opening stock: a built-in default, or a YAML/JSON file.

A catalog file is a list of products::

    - {sku: KB-001, name: Mechanical keyboard, price: 89.00, stock: 25}

Seeding writes each product to the order service's catalog (what the API accepts)
and, for SKUs the inventory does not have yet, its opening stock: restarting never
resets stock that orders have moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import yaml

from orderflow.domain.money import CENT, to_amount
from orderflow.errors import OrderflowError
from orderflow.runtime.ports import StateStore
from orderflow.services.inventory.records import STOCK, set_stock
from orderflow.services.orders.records import CATALOG
from orderflow.services.ports import ServiceState


class CatalogError(OrderflowError):
    """The catalog file cannot be read or is not a list of products."""


class PriceRequired(OrderflowError):
    """A SKU new to the catalog was stocked without a price: nobody could order it."""


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal
    stock: int


DEFAULT_CATALOG: Final = (
    Product("KB-001", "Mechanical keyboard", Decimal("89.00"), 500),
    Product("MS-002", "Wireless mouse", Decimal("29.50"), 500),
    Product("MN-003", "27-inch monitor", Decimal("249.00"), 200),
    Product("CB-004", "USB-C cable", Decimal("9.99"), 2000),
    Product("HP-005", "Noise-cancelling headphones", Decimal("199.00"), 100),
    Product("LT-006", "Limited-edition laptop", Decimal("1899.00"), 1),
    Product("DK-007", "Docking station", Decimal("149.00"), 150),
)


def stock_product(
    state: ServiceState,
    sku: str,
    available: int,
    *,
    price: Decimal | None = None,
    name: str | None = None,
) -> bool:
    """Set ``sku``'s available stock (the operator's adjustment); whether it was new to
    the catalog. A SKU the catalog lacks needs a ``price`` and joins it (``name``
    defaulting to the SKU), so that it can be ordered at once: the catalog is what
    ``POST /orders`` checks SKUs against. For a catalog SKU, ``price`` and ``name``
    replace the catalog's when given."""
    product = state.get(CATALOG, sku)
    if product is None and price is None:
        raise PriceRequired(f"{sku!r} is not in the catalog yet: give its price too")
    if product is None or price is not None or name is not None:
        current = product or {"sku": sku, "name": sku}
        state.put(
            CATALOG,
            sku,
            {
                "sku": sku,
                "name": name or current["name"],
                "price": current["price"] if price is None else str(price.quantize(CENT)),
            },
        )
    set_stock(state, sku, available)
    return product is None


def load_catalog(path: Path) -> list[Product]:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"Cannot read the catalog {path}: {exc}") from exc
    if not isinstance(raw, list) or not raw:
        raise CatalogError(f"The catalog {path} must be a non-empty list of products.")
    products = []
    for index, item in enumerate(raw):
        try:
            sku, name = str(item["sku"]), str(item.get("name", item["sku"]))
            price, stock = to_amount(item["price"]), int(item.get("stock", 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogError(
                f"{path}: product {index} needs sku, price (a number) and stock (an integer): {exc}"
            ) from exc
        if price <= 0 or stock < 0:
            raise CatalogError(f"{path}: product {sku} needs a positive price and stock >= 0.")
        products.append(Product(sku, name, price, stock))
    return products


def seed_catalog(store: StateStore, products: tuple[Product, ...] | list[Product]) -> int:
    """Write the catalog, and opening stock for SKUs without stock; how many were new."""
    new = 0
    with store.transaction() as state:
        for product in products:
            state.put(
                CATALOG,
                product.sku,
                {"sku": product.sku, "name": product.name, "price": str(product.price)},
            )
            if state.get(STOCK, product.sku) is None:
                set_stock(state, product.sku, product.stock)
                new += 1
    return new
