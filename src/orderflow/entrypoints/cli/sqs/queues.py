"""Queues: ``create-queue`` ... ``list-dead-letter-source-queues``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

import typer

from orderflow.entrypoints.cli.arguments import string_list, string_map
from orderflow.entrypoints.cli.context import engine
from orderflow.entrypoints.cli.options import QueueUrl
from orderflow.entrypoints.cli.output import print_json, print_response

QueueName = Annotated[
    str, typer.Option("--queue-name", help="The name of the queue.", show_default=False)
]


def _attributes_option() -> Any:
    return typer.Option(
        "--attributes",
        help=(
            'Queue attributes: JSON {"VisibilityTimeout": "10", ...}, or '
            "VisibilityTimeout=10,DelaySeconds=5 (or file://path)."
        ),
        show_default=False,
    )


Attributes = Annotated[str, _attributes_option()]
OptionalAttributes = Annotated[str | None, _attributes_option()]


def create_queue(
    ctx: typer.Context,
    *,
    queue_name: QueueName,
    attributes: OptionalAttributes = None,
    tags: Annotated[
        str | None,
        typer.Option(
            "--tags", help='Tags: JSON {"key": "value"} or key=value,...', show_default=False
        ),
    ] = None,
) -> None:
    """Create a queue, as `aws sqs create-queue`. Prints {"QueueUrl"}."""
    settings = {} if attributes is None else string_map("--attributes", attributes, "Attributes")
    tag_map = {} if tags is None else string_map("--tags", tags, "tags")
    with engine(ctx, existing=False) as opened:
        url = opened.sqs.create_queue(queue_name, settings, tag_map)
    print_json({"QueueUrl": url})


def delete_queue(ctx: typer.Context, *, queue_url: QueueUrl) -> None:
    """Delete a queue and its messages, as `aws sqs delete-queue`."""
    with engine(ctx) as opened:
        opened.sqs.delete_queue(queue_url)


def get_queue_url(ctx: typer.Context, *, queue_name: QueueName) -> None:
    """The URL of a queue, as `aws sqs get-queue-url`. Prints {"QueueUrl"}."""
    with engine(ctx) as opened:
        print_json({"QueueUrl": opened.sqs.get_queue_url(queue_name)})


def list_queues(
    ctx: typer.Context,
    *,
    queue_name_prefix: Annotated[
        str | None,
        typer.Option(
            "--queue-name-prefix",
            help="Only the queues whose name starts with this.",
            show_default=False,
        ),
    ] = None,
    max_results: Annotated[
        int | None,
        typer.Option("--max-results", help="At most this many (1 to 1000).", show_default=False),
    ] = None,
) -> None:
    """List queue URLs, as `aws sqs list-queues`.

    Prints {"QueueUrls": [...]}, or nothing when there is no queue.
    """
    with engine(ctx) as opened:
        urls = opened.sqs.list_queues(queue_name_prefix, max_results)
    print_response({"QueueUrls": urls} if urls else {})


def get_queue_attributes(
    ctx: typer.Context,
    *,
    queue_url: QueueUrl,
    attribute_names: Annotated[
        list[str] | None,
        typer.Option(
            "--attribute-names",
            help="The attributes to get: All, or names (--attribute-names QueueArn DelaySeconds).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Get queue attributes, as `aws sqs get-queue-attributes`.

    Prints {"Attributes": {...}}; nothing when no attribute was asked for, as SQS answers.
    """
    names = string_list("--attribute-names", attribute_names)
    with engine(ctx) as opened:
        values = opened.sqs.get_queue_attributes(queue_url, names)
    print_response({"Attributes": values} if values else {})


def set_queue_attributes(
    ctx: typer.Context, *, queue_url: QueueUrl, attributes: Attributes
) -> None:
    """Change queue attributes, as `aws sqs set-queue-attributes`."""
    settings = string_map("--attributes", attributes, "Attributes")
    with engine(ctx) as opened:
        opened.sqs.set_queue_attributes(queue_url, settings)


def purge_queue(ctx: typer.Context, *, queue_url: QueueUrl) -> None:
    """Delete every message in a queue (once a minute at most), as `aws sqs purge-queue`."""
    with engine(ctx) as opened:
        opened.sqs.purge_queue(queue_url)


def list_dead_letter_source_queues(ctx: typer.Context, *, queue_url: QueueUrl) -> None:
    """The queues whose dead-letter queue this is, as `aws sqs list-dead-letter-source-queues`.

    Prints {"queueUrls": [...]} (lower-case q, as SQS answers).
    """
    with engine(ctx) as opened:
        print_json({"queueUrls": opened.sqs.list_dead_letter_source_queues(queue_url)})


COMMANDS: Final[dict[str, Callable[..., None]]] = {
    "create-queue": create_queue,
    "delete-queue": delete_queue,
    "get-queue-url": get_queue_url,
    "list-queues": list_queues,
    "get-queue-attributes": get_queue_attributes,
    "set-queue-attributes": set_queue_attributes,
    "purge-queue": purge_queue,
    "list-dead-letter-source-queues": list_dead_letter_source_queues,
}
