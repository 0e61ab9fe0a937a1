"""Looking at the system: ``orderflow report``, ``inventory`` and ``schemas export``."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orderflow.bootstrap.catalog import PriceRequired, stock_product
from orderflow.domain.money import has_more_than_cents
from orderflow.domain.orders import MAX_PRICE, MAX_STOCK
from orderflow.entrypoints.cli.options import AsJson
from orderflow.entrypoints.cli.output import print_json
from orderflow.entrypoints.cli.system.opening import AppOption, apps_option, system
from orderflow.events.contracts.base import SKU_PATTERN
from orderflow.events.schemas import export_schemas
from orderflow.services.analytics.report import Report, report_from
from orderflow.services.inventory.records import STOCK
from orderflow.services.orders.records import CATALOG


def report_command(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Orders, revenue by currency and channel, cancellation and out-of-stock rates, refunds."""
    with system(ctx) as opened, opened.state.reader() as state:
        report = report_from(state)
    if as_json:
        print_json(report.as_json())
        return
    console = Console()
    for table in report_tables(report):
        console.print(table)


def report_tables(report: Report) -> list[Table]:
    """The report as tables: a summary, revenue, and the events counted."""
    summary = Table(title="Orders (analytics)", show_header=False)
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_row("orders", str(report.orders))
    summary.add_row("cancelled", f"{report.cancelled} ({report.cancellation_rate:.1%})")
    summary.add_row("out of stock", f"{report.out_of_stock} ({report.out_of_stock_rate:.1%})")
    refunded = ", ".join(f"{amount} {currency}" for currency, amount in report.refunded.items())
    summary.add_row("refunds", f"{report.refunds}" + (f" ({refunded})" if refunded else ""))
    revenue = Table(title="Revenue (orders neither cancelled nor out of stock)")
    revenue.add_column("currency")
    revenue.add_column("channel")
    revenue.add_column("amount", justify="right")
    for (currency, channel), amount in sorted(report.revenue.items()):
        revenue.add_row(currency, escape(channel), str(amount))
    events = Table(title="Events seen by analytics")
    events.add_column("detail-type")
    events.add_column("count", justify="right")
    for name, count in sorted(report.events.items()):
        events.add_row(escape(name), str(count))
    return [summary, revenue, events]


def inventory_command(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Stock per SKU (``orderflow inventory set SKU QUANTITY`` adjusts it)."""
    if ctx.invoked_subcommand is not None:
        return
    with system(ctx) as opened, opened.state.reader() as state:
        stock = {doc["sku"]: int(doc["available"]) for doc in state.scan(STOCK)}
        names = {doc["sku"]: doc for doc in state.scan(CATALOG)}
    rows: list[dict[str, Any]] = [
        {
            "sku": sku,
            "available": available,
            "name": names.get(sku, {}).get("name"),
            "price": names.get(sku, {}).get("price"),
        }
        for sku, available in sorted(stock.items())
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title="Inventory")
    for column in ("sku", "name", "price", "available"):
        table.add_column(column, justify="right" if column in ("price", "available") else "left")
    for row in rows:
        table.add_row(
            row["sku"], escape(row["name"] or "-"), row["price"] or "-", str(row["available"])
        )
    Console().print(table)


def set_stock_command(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="The SKU.", show_default=False)],
    quantity: Annotated[
        int, typer.Argument(min=0, max=MAX_STOCK, help="Units available.", show_default=False)
    ],
    price: Annotated[
        str | None,
        typer.Option(
            "--price",
            help="Unit price: needed for a SKU new to the catalog (it joins it, so it can be "
            "ordered); replaces a catalog SKU's.",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Product name (a new SKU: the SKU itself).")
    ] = None,
) -> None:
    """Set a SKU's available stock; a SKU new to the catalog needs --price and joins it."""
    if len(sku) > 64 or not re.fullmatch(SKU_PATTERN, sku):
        raise typer.BadParameter(
            "a SKU is 1 to 64 characters, with no space at either end", param_hint="SKU"
        )
    if name is not None and not 0 < len(name.strip()) <= 200:
        raise typer.BadParameter("a name is 1 to 200 characters", param_hint="--name")
    amount = _price(price) if price is not None else None
    with system(ctx) as opened, opened.state.transaction() as state:
        try:
            new = stock_product(state, sku, quantity, price=amount, name=name)
        except PriceRequired as exc:
            raise typer.BadParameter(str(exc), param_hint="--price") from None
    Console().print(
        f"{escape(sku)}: {quantity} available" + (" (added to the catalog)" if new else "")
    )


def _price(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or not 0 < amount <= MAX_PRICE or has_more_than_cents(amount):
        raise typer.BadParameter(
            f"{text!r}: a price is above 0, at most {MAX_PRICE}, with at most 2 decimals",
            param_hint="--price",
        )
    return amount


def export_schemas_command(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write one NAME.json file per contract into this folder.", file_okay=False
        ),
    ] = None,
    app: AppOption = None,
) -> None:
    """The JSON Schema of every event contract (detail-type and version): orderflow's own
    and those every --app (and installed application) declares."""
    schemas = export_schemas(apps_option(app).contracts)
    if out is None:
        print_json(schemas)
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas.items():
        (out / f"{name}.json").write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    Console().print(f"{len(schemas)} schemas written to {escape(str(out))}")
