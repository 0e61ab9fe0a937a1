"""Message move tasks (DLQ redrive): ``start-message-move-task`` and friends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Final

import typer

from orderflow.entrypoints.aws_responses import move_task
from orderflow.entrypoints.cli.context import engine
from orderflow.entrypoints.cli.output import print_json

SourceArn = Annotated[
    str,
    typer.Option(
        "--source-arn", help="The ARN of the dead-letter queue to move from.", show_default=False
    ),
]


def start_message_move_task(
    ctx: typer.Context,
    *,
    source_arn: SourceArn,
    destination_arn: Annotated[
        str | None,
        typer.Option(
            "--destination-arn",
            help="Move to this queue (default: each message back to its source queue).",
            show_default=False,
        ),
    ] = None,
    max_number_of_messages_per_second: Annotated[
        int | None,
        typer.Option("--max-number-of-messages-per-second", help="1 to 500.", show_default=False),
    ] = None,
) -> None:
    """Move the messages of a dead-letter queue, as `aws sqs start-message-move-task`.

    The embedded engine moves them all before answering. Prints {"TaskHandle"}.
    """
    with engine(ctx) as opened:
        handle = opened.sqs.start_message_move_task(
            source_arn, destination_arn, max_number_of_messages_per_second
        )
    print_json({"TaskHandle": handle})


def list_message_move_tasks(
    ctx: typer.Context,
    *,
    source_arn: SourceArn,
    max_results: Annotated[
        int, typer.Option("--max-results", help="The newest N tasks (1 to 10).")
    ] = 1,
) -> None:
    """The latest move tasks of a queue, as `aws sqs list-message-move-tasks`.

    Prints {"Results": [...]}.
    """
    with engine(ctx) as opened:
        tasks = opened.sqs.list_message_move_tasks(source_arn, max_results)
        scope = opened.scope
    print_json({"Results": [move_task(task, scope) for task in tasks]})


def cancel_message_move_task(
    ctx: typer.Context,
    *,
    task_handle: Annotated[
        str,
        typer.Option(
            "--task-handle", help="The handle StartMessageMoveTask gave.", show_default=False
        ),
    ],
) -> None:
    """Cancel a running move task, as `aws sqs cancel-message-move-task`.

    Prints {"ApproximateNumberOfMessagesMoved"}.
    """
    with engine(ctx) as opened:
        task = opened.sqs.cancel_message_move_task(task_handle)
    print_json({"ApproximateNumberOfMessagesMoved": task.moved})


COMMANDS: Final[dict[str, Callable[..., None]]] = {
    "start-message-move-task": start_message_move_task,
    "list-message-move-tasks": list_message_move_tasks,
    "cancel-message-move-task": cancel_message_move_task,
}
