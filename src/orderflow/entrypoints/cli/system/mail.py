"""``orderflow mail``: the emails the embedded sink received; ``mail outbox``: those not
sent yet, with why; ``mail retry``: send again those the relay gave up on.

An email the SMTP server refuses for good (a 5xx answer) is tried a few times, then left
in the mail outbox with its error, so that it never blocks the emails behind it. Once the
cause is mended (a recipient fixed on the relay, a content policy relaxed), ``mail
retry`` clears its refusals and the notification worker sends it on its next round.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orderflow.entrypoints.cli.operator.status import human_age
from orderflow.entrypoints.cli.options import AsJson
from orderflow.entrypoints.cli.output import print_json
from orderflow.entrypoints.cli.system.opening import system
from orderflow.runtime.ports import MAX_FAILURES, UnsentMail

Limit = Annotated[int, typer.Option("--limit", min=1, help="At most this many.")]


def received_command(
    ctx: typer.Context,
    as_json: AsJson = False,
    limit: Limit = 200,
    full: Annotated[bool, typer.Option("--full", help="Show each email's body.")] = False,
) -> None:
    """The emails the embedded SMTP sink received, oldest first (orderflow mail outbox:
    those not sent yet)."""
    if ctx.invoked_subcommand is not None:
        return
    with system(ctx) as opened:
        assert opened.mailbox is not None
        messages = opened.mailbox.messages(limit)
    if as_json:
        print_json(messages)
        return
    table = Table(
        title=f"{len(messages)} email{'' if len(messages) == 1 else 's'} received",
        caption=None
        if messages
        else "none yet; with a real SMTP server (--smtp), see orderflow mail outbox",
    )
    for column in ("to", "subject", "message id"):
        table.add_column(column, overflow="fold")
    if full:
        table.add_column("body", overflow="fold")
    for message in messages:
        row = [", ".join(message["to"]), message["subject"], message["messageId"]]
        table.add_row(*(escape(cell) for cell in row), *([escape(message["body"])] if full else []))
    Console().print(table)


def _as_json(row: UnsentMail) -> dict[str, Any]:
    return {
        "messageId": row.mail.message_id,
        "orderId": row.mail.order_id,
        "kind": row.mail.kind,
        "to": row.mail.recipient,
        "subject": row.mail.subject,
        "createdMs": row.mail.created_ms,
        "correlationId": row.mail.correlation_id,
        "refusals": row.refusals,
        "givenUp": row.given_up,
        "lastError": row.last_error,
    }


def outbox_command(ctx: typer.Context, as_json: AsJson = False, limit: Limit = 200) -> None:
    """The emails not sent yet, oldest first: waiting for the SMTP server, or given up on
    after it refused them (orderflow mail retry sends those again)."""
    with system(ctx) as opened:
        with opened.state.reader() as reader:
            unsent = reader.unsent_mail(limit)
        now_ms = opened.clock.now_ms()
    if as_json:
        print_json([_as_json(row) for row in unsent])
        return
    given_up = sum(row.given_up for row in unsent)
    table = Table(
        title=f"Mail outbox: {len(unsent)} not sent ({given_up} given up on)",
        caption=None if unsent else "every email went out",
    )
    for column in ("message id", "to", "kind", "age", "state", "last error"):
        table.add_column(column, overflow="fold")
    for row in unsent:
        table.add_row(
            escape(row.mail.message_id),
            escape(row.mail.recipient),
            escape(row.mail.kind),
            human_age((now_ms - row.mail.created_ms) / 1000),
            _state(row),
            escape(row.last_error or "-"),
        )
    Console().print(table)


def _state(row: UnsentMail) -> str:
    if row.given_up:
        return "[red]given up[/]"
    if row.refusals:
        return f"waiting ({row.refusals}/{MAX_FAILURES} refusals)"
    return "waiting"


def retry_command(
    ctx: typer.Context,
    message_ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="Message-IDs from `orderflow mail outbox` (angle brackets optional).",
            show_default=False,
        ),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every email not sent yet.")] = False,
) -> None:
    """Send again emails the relay gave up on: their refusals and last error are cleared
    (with --all, those of every email not sent yet), and the notification worker sends
    them on its next round."""
    if not message_ids and not every:
        raise typer.BadParameter("name the Message-IDs to send again, or --all")
    if message_ids and every:
        raise typer.BadParameter("name Message-IDs or --all, not both")
    wanted = None if every else [_bracketed(text) for text in message_ids or []]
    with system(ctx) as opened, opened.state.transaction() as state:
        retried = state.retry_mail(wanted)
    missing = [message_id for message_id in wanted or [] if message_id not in retried]
    if missing:
        Console(stderr=True).print(
            "[red]error:[/] not in the mail outbox, or sent already: "
            + ", ".join(escape(message_id) for message_id in missing)
        )
    if retried or not missing:
        Console().print(
            f"{len(retried)} email{'' if len(retried) == 1 else 's'} will be sent again"
            + "".join(f"\n  {escape(message_id)}" for message_id in retried)
        )
    if missing:
        raise typer.Exit(1)


def _bracketed(message_id: str) -> str:
    text = message_id.strip()
    return text if text.startswith("<") else f"<{text}>"


def register(app: typer.Typer) -> None:
    mail = typer.Typer(
        name="mail", help="The emails: received, not sent yet, sent again.",
        invoke_without_command=True,
    )  # fmt: skip
    mail.callback()(received_command)
    mail.command("outbox")(outbox_command)
    mail.command("retry")(retry_command)
    app.add_typer(mail)
