"""The commands that run and inspect the order system.

orderflow up                  every part as its own process, one log stream
orderflow worker NAME         one consumer alone (one terminal per consumer)
orderflow mail-sink           the embedded SMTP server
orderflow publisher           the tutorial scenario against a running system
orderflow trace ID            the tree of events an order caused, with every delivery
orderflow mail [outbox | retry]  the emails: received, not sent yet, sent again
orderflow prune                the history past an age (journal, published events, emails)
orderflow report | inventory | schemas export
orderflow topology            what up installs for an application, as a topology file
"""

from __future__ import annotations

import typer

from orderflow.entrypoints.cli.system import (
    mail,
    processes,
    prune,
    publisher,
    topology,
    trace,
    up,
    views,
)


def register(app: typer.Typer) -> None:
    app.command("up")(up.up_command)
    app.command("worker")(processes.worker_command)
    app.command("mail-sink")(processes.mail_sink_command)
    app.command("api")(processes.api_command)
    app.command("publisher")(publisher.publisher_command)
    app.command("trace")(trace.trace_command)
    app.command("topology")(topology.topology_command)
    mail.register(app)
    app.command("report")(views.report_command)
    app.command("prune")(prune.prune_command)
    inventory = typer.Typer(name="inventory", help="Stock per SKU.", invoke_without_command=True)
    inventory.callback()(views.inventory_command)
    inventory.command("set")(views.set_stock_command)
    app.add_typer(inventory)
    schemas = typer.Typer(name="schemas", help="The event contracts.", no_args_is_help=True)
    schemas.command("export")(views.export_schemas_command)
    app.add_typer(schemas)
