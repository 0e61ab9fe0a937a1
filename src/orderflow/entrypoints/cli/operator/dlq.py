"""``orderflow dlq show|redrive``: what waits in a dead-letter queue, and sending it back.

``QUEUE`` is a source queue (its RedrivePolicy names the DLQ) or the DLQ itself,
e.g. an EventBridge target's DLQ. ``show`` only looks: receive counts and
visibility stay as they were. ``redrive`` runs StartMessageMoveTask on the DLQ,
each message back to the queue it came from, with a progress bar.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orderflow.bootstrap.system import state_of
from orderflow.entrypoints.cli.context import calling, engine
from orderflow.entrypoints.cli.operator.status import dead_letter_queue, human_age
from orderflow.entrypoints.cli.options import AsJson
from orderflow.entrypoints.cli.output import print_json
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.model.queues import MoveTask
from orderflow.eventbus.queues.admin import PeekedMessage
from orderflow.eventbus.queues.errors import QueueDoesNotExist
from orderflow.runtime.journal import Attempt, Outcome

PREVIEW: Final = 80
EVENTBRIDGE_ATTRIBUTES: Final = ("ERROR_CODE", "ERROR_MESSAGE", "RULE_ARN", "TARGET_ARN")

Queue = Annotated[
    str,
    typer.Argument(
        help="A queue with a RedrivePolicy (its DLQ is used), or the dead-letter queue itself.",
        show_default=False,
    ),
]


def resolve(opened: Engine, queue: str) -> str:
    """The name of the dead-letter queue ``queue`` stands for."""
    try:
        attributes = opened.sqs.get_queue_attributes(queue, ["RedrivePolicy"])
    except QueueDoesNotExist:
        Console(stderr=True).print(
            f"[red]error:[/] there is no queue {escape(queue)!r} (orderflow queues lists them)"
        )
        raise typer.Exit(1) from None
    return dead_letter_queue(attributes) or opened.sqs.name_of(queue)


def show(
    ctx: typer.Context,
    *,
    queue: Queue,
    limit: Annotated[
        int, typer.Option("--limit", help="Show at most this many messages.", min=1)
    ] = 20,
    as_json: AsJson = False,
) -> None:
    """The messages waiting in a dead-letter queue, oldest first, without receiving them."""
    with engine(ctx) as opened:
        name = resolve(opened, queue)
        with calling("GetQueueAttributes"):
            url = opened.sqs.get_queue_url(name)
            counts = opened.sqs.get_queue_attributes(
                url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )
            messages = opened.sqs.peek_messages(url, limit)
        now_ms = opened.clock.now_ms()
        reasons = last_failures(opened, [message.message_id for message in messages])
    waiting = sum(int(value) for value in counts.values())
    if as_json:
        print_json(
            {
                "DeadLetterQueue": name,
                "QueueUrl": url,
                "ApproximateNumberOfMessages": waiting,
                "Messages": [_message(message, reasons) for message in messages],
            }
        )
        return
    Console().print(_table(name, waiting, messages, now_ms, reasons))


def redrive(ctx: typer.Context, *, queue: Queue) -> None:
    """Send a dead-letter queue's messages back to the queues they came from.

    Runs StartMessageMoveTask on the DLQ with a progress bar, then prints how many moved.
    """
    console = Console()
    last: list[MoveTask] = []
    with engine(ctx) as opened:
        name = resolve(opened, queue)
        with (
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            ) as bar,
            calling("StartMessageMoveTask"),
        ):
            job = bar.add_task(f"redriving {name}", total=None)

            def advance(task: MoveTask) -> None:
                last.append(task)
                bar.update(job, total=task.to_move, completed=task.moved)

            opened.sqs.start_message_move_task(opened.scope.queue_arn(name), progress=advance)
        with calling("GetQueueAttributes"):
            left = opened.sqs.get_queue_attributes(name, ["ApproximateNumberOfMessages"])
    moved = last[-1].moved if last else 0
    console.print(
        f"Moved {moved} message{'' if moved == 1 else 's'} from {name} to their source queues."
    )
    remaining = int(left["ApproximateNumberOfMessages"])
    if remaining:
        console.print(
            f"{remaining} message{'' if remaining == 1 else 's'} stayed in {name}: their source "
            "queue is unknown or gone."
        )


def last_failures(opened: Engine, message_ids: list[str]) -> dict[str, Attempt]:
    """The last failed delivery the consumers journaled for each message, by message id."""
    state = state_of(opened)
    if state is None:
        return {}
    found: dict[str, Attempt] = {}
    with state.reader() as reader:
        for message_id in message_ids:
            failed = [
                a for a in reader.attempts_of_message(message_id) if a.outcome is Outcome.FAILED
            ]
            if failed:
                found[message_id] = failed[-1]
    return found


def _message(message: PeekedMessage, reasons: dict[str, Attempt]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "MessageId": message.message_id,
        "MD5OfBody": message.md5_of_body,
        "Body": message.body,
        "Attributes": message.attributes,
    }
    if message.message_attributes:
        shown["MessageAttributes"] = message.message_attributes
    failure = reasons.get(message.message_id)
    if failure is not None:
        shown["LastFailure"] = {
            "Consumer": failure.consumer,
            "ReceiveCount": failure.receive_count,
            "Error": failure.error,
        }
    return shown


def _table(
    name: str,
    waiting: int,
    messages: list[PeekedMessage],
    now_ms: int,
    reasons: dict[str, Attempt],
) -> Table:
    table = Table(
        title=f"{name}: {waiting} message{'' if waiting == 1 else 's'} waiting",
        caption=None if messages else "nothing to redrive",
        show_lines=True,
    )
    table.add_column("message", no_wrap=True, min_width=36)  # a message id, whole
    table.add_column("receives", justify="right")
    table.add_column("origin and error", overflow="fold")
    table.add_column("body", overflow="fold")
    for message in messages:
        system = message.attributes
        age = human_age((now_ms - int(system["SentTimestamp"])) / 1000)
        table.add_row(
            f"{message.message_id}\n[dim]sent {age} ago[/]",
            system["ApproximateReceiveCount"],
            _origin(message, reasons.get(message.message_id)),
            _preview(message.body),
        )
    return table


def _origin(message: PeekedMessage, failure: Attempt | None) -> str:
    lines: list[str] = []
    source = message.attributes.get("DeadLetterQueueSourceArn")
    if source:
        lines.append(f"from {escape(source.rsplit(':', 1)[-1])}")  # the queue's name
    values = {
        key: message.message_attributes[key].get("StringValue", "")
        for key in EVENTBRIDGE_ATTRIBUTES
        if key in message.message_attributes
    }
    if "RULE_ARN" in values:
        lines.append(f"rule {escape(values['RULE_ARN'])}")
    if "TARGET_ARN" in values:
        lines.append(f"target {escape(values['TARGET_ARN'])}")
    if "ERROR_CODE" in values:
        code, text = values["ERROR_CODE"], values.get("ERROR_MESSAGE", "")
        lines.append(f"[red]{escape(code)}[/]: {escape(text)}")
    if failure is not None:
        lines.append(
            f"{escape(failure.consumer)} failed it (receive {failure.receive_count}): "
            f"[red]{escape(failure.error or '')}[/]"
        )
    return "\n".join(lines) or "[dim]-[/]"


def _preview(body: str) -> str:
    flat = " ".join(body.split())
    return escape(flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…")
