"""What the demo prints at the end: orders, stock, emails, refunds, analytics, DLQs."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orderflow.bootstrap.system import System
from orderflow.entrypoints.cli.system.views import report_tables
from orderflow.services.analytics.report import report_from
from orderflow.services.inventory.records import STOCK
from orderflow.services.orders.records import ORDER
from orderflow.services.refunds.consumer import REFUND
from orderflow.services.topology import SUBSCRIPTIONS


def print_summary(console: Console, system: System, orders: dict[str, str]) -> int:
    """Print the summary; the number of messages left in dead-letter queues."""
    with system.state.reader() as state:
        documents = {label: state.get(ORDER, order_id) for label, order_id in orders.items()}
        stock = {doc["sku"]: doc["available"] for doc in state.scan(STOCK)}
        refunds = list(state.scan(REFUND))
        report = report_from(state)
    table = Table(title="Orders")
    longest = max((len(order_id) for order_id in orders.values()), default=5)
    table.add_column("scenario", overflow="fold")
    table.add_column("order", no_wrap=True, min_width=longest)  # whole, for orderflow trace
    table.add_column("status", no_wrap=True)
    table.add_column("total", no_wrap=True)
    timelines: list[str] = []
    for label, document in documents.items():
        if document is None:
            table.add_row(escape(label), escape(orders[label]), "[red]missing[/]", "")
            continue
        table.add_row(
            escape(label),
            escape(document["orderId"]),
            f"[bold]{document['status']}[/]",
            f"{document['totalAmount']} {document['currency']}",
        )
        events = " → ".join(entry["detailType"] for entry in document["timeline"])
        timelines.append(f"  {escape(label)}: {escape(events)}")
    console.print(table)
    console.print("[bold]Timelines[/] (the events each order went through)", *timelines, sep="\n")
    stock_table = Table(title="Stock")
    stock_table.add_column("sku")
    stock_table.add_column("available", justify="right")
    for sku, available in sorted(stock.items()):
        stock_table.add_row(escape(sku), str(available))
    console.print(stock_table)
    assert system.mailbox is not None
    mails = system.mailbox.messages()
    mail_table = Table(title=f"Emails received by the SMTP sink ({len(mails)})")
    mail_table.add_column("to")
    mail_table.add_column("subject", overflow="fold")
    for mail in mails:
        mail_table.add_row(escape(", ".join(mail["to"])), escape(mail["subject"]))
    console.print(mail_table)
    refund_table = Table(title="Refunds")
    for column in ("refund", "order", "amount", "status"):
        refund_table.add_column(column)
    for refund in refunds:
        refund_table.add_row(
            escape(refund["refundId"]),
            escape(refund["orderId"]),
            f"{refund['amount']} {refund['currency']}",
            refund["status"],
        )
    console.print(refund_table)
    for analytics in report_tables(report):
        console.print(analytics)
    dlq_table = Table(title="Dead-letter queues")
    dlq_table.add_column("queue")
    dlq_table.add_column("messages", justify="right")
    left = 0
    for subscription in SUBSCRIPTIONS.values():
        attributes = system.engine.sqs.get_queue_attributes(
            subscription.dead_letter_queue,
            ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
        depth = sum(int(value) for value in attributes.values())
        left += depth
        dlq_table.add_row(subscription.dead_letter_queue, str(depth))
    console.print(dlq_table)
    return left
