"""Messages: ``send-message`` ... ``change-message-visibility``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

import typer

from orderflow.entrypoints.aws_responses import batch_response, received_message, sent_message
from orderflow.entrypoints.cli.arguments import (
    ParameterError,
    json_list,
    json_value,
    load_parameter,
    string_list,
)
from orderflow.entrypoints.cli.context import engine
from orderflow.entrypoints.cli.options import QueueUrl
from orderflow.entrypoints.cli.output import print_json, print_response

ReceiptHandle = Annotated[
    str,
    typer.Option(
        "--receipt-handle", help="The receipt handle ReceiveMessage gave.", show_default=False
    ),
]
Entries = Annotated[
    list[str],
    typer.Option(
        "--entries",
        help="The entries: a JSON list (or file://path), or one Key=Value,... per entry.",
        show_default=False,
    ),
]


def _names_option(name: str, help_text: str) -> Any:
    return typer.Option(name, help=help_text, show_default=False)


def send_message(
    ctx: typer.Context,
    *,
    queue_url: QueueUrl,
    message_body: Annotated[
        str,
        typer.Option("--message-body", help="The message (or file://path).", show_default=False),
    ],
    delay_seconds: Annotated[
        int | None,
        typer.Option(
            "--delay-seconds", help="Keep it invisible this long (0 to 900).", show_default=False
        ),
    ] = None,
    message_attributes: Annotated[
        str | None,
        typer.Option(
            "--message-attributes",
            help='JSON {"name": {"DataType": "String", "StringValue": "..."}} (or file://path).',
            show_default=False,
        ),
    ] = None,
    message_group_id: Annotated[
        str | None,
        typer.Option(
            "--message-group-id",
            help="The message group (required by FIFO queues).",
            show_default=False,
        ),
    ] = None,
    message_deduplication_id: Annotated[
        str | None,
        typer.Option(
            "--message-deduplication-id",
            help="FIFO queues: a send of the same id within 5 minutes is not delivered again.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Send a message, as `aws sqs send-message`.

    Prints {"MD5OfMessageBody", "MD5OfMessageAttributes" (with attributes), "MessageId",
    "SequenceNumber" (FIFO queues)}.
    """
    attributes = _message_attributes(message_attributes)
    with engine(ctx) as opened:
        sent = opened.sqs.send_message(
            queue_url,
            load_parameter("--message-body", message_body),
            delay_seconds=delay_seconds,
            message_attributes=attributes,
            message_group_id=message_group_id,
            message_deduplication_id=message_deduplication_id,
        )
    print_json(sent_message(sent))


def send_message_batch(ctx: typer.Context, *, queue_url: QueueUrl, entries: Entries) -> None:
    """Send up to 10 messages, as `aws sqs send-message-batch`.

    Entries: [{"Id", "MessageBody", "DelaySeconds", "MessageAttributes", "MessageGroupId",
    "MessageDeduplicationId"}].
    Prints {"Successful": [...], "Failed": [...]}.
    """
    parsed = json_list("--entries", entries, "Entries", frozenset({"DelaySeconds"}))
    with engine(ctx) as opened:
        result = opened.sqs.send_message_batch(queue_url, parsed)
    print_response(batch_response(result, sent_message))


def receive_message(
    ctx: typer.Context,
    *,
    queue_url: QueueUrl,
    attribute_names: Annotated[
        list[str] | None,
        _names_option("--attribute-names", "System attributes to return: All, or names."),
    ] = None,
    message_system_attribute_names: Annotated[
        list[str] | None,
        _names_option("--message-system-attribute-names", "The same, by its newer name."),
    ] = None,
    message_attribute_names: Annotated[
        list[str] | None,
        _names_option(
            "--message-attribute-names", "Message attributes to return: All, .*, names, prefix.*."
        ),
    ] = None,
    max_number_of_messages: Annotated[
        int,
        typer.Option("--max-number-of-messages", help="1 to 10.", show_default=False),
    ] = 1,
    visibility_timeout: Annotated[
        int | None,
        typer.Option(
            "--visibility-timeout",
            help="Hide them this long (default: the queue's).",
            show_default=False,
        ),
    ] = None,
    wait_time_seconds: Annotated[
        int | None,
        typer.Option(
            "--wait-time-seconds",
            help="Long-poll up to this long, 0 to 20 (default: the queue's).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Receive messages, as `aws sqs receive-message`.

    Prints {"Messages": [...]}, or nothing at all when there is none (as the AWS CLI).
    """
    system = string_list("--attribute-names", attribute_names) + string_list(
        "--message-system-attribute-names", message_system_attribute_names
    )
    user = string_list("--message-attribute-names", message_attribute_names)
    with engine(ctx) as opened:
        received = opened.sqs.receive_message(
            queue_url,
            max_messages=max_number_of_messages,
            visibility_timeout=visibility_timeout,
            wait_time_seconds=wait_time_seconds,
            attribute_names=system,
            message_attribute_names=user,
        )
    messages = [received_message(message) for message in received]
    print_response({"Messages": messages} if messages else {})


def delete_message(
    ctx: typer.Context, *, queue_url: QueueUrl, receipt_handle: ReceiptHandle
) -> None:
    """Delete a received message, as `aws sqs delete-message`."""
    with engine(ctx) as opened:
        opened.sqs.delete_message(queue_url, receipt_handle)


def delete_message_batch(ctx: typer.Context, *, queue_url: QueueUrl, entries: Entries) -> None:
    """Delete up to 10 messages, as `aws sqs delete-message-batch`.

    Entries: [{"Id", "ReceiptHandle"}]. Prints {"Successful": [...], "Failed": [...]}.
    """
    parsed = json_list("--entries", entries, "Entries")
    with engine(ctx) as opened:
        result = opened.sqs.delete_message_batch(queue_url, parsed)
    print_response(batch_response(result))


def change_message_visibility(
    ctx: typer.Context,
    *,
    queue_url: QueueUrl,
    receipt_handle: ReceiptHandle,
    visibility_timeout: Annotated[
        int,
        typer.Option(
            "--visibility-timeout",
            help="Seconds from now until it is visible again (0 to 43200).",
            show_default=False,
        ),
    ],
) -> None:
    """Change how long a received message stays hidden, as `aws sqs change-message-visibility`."""
    with engine(ctx) as opened:
        opened.sqs.change_message_visibility(queue_url, receipt_handle, visibility_timeout)


def _message_attributes(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    document = json_value("--message-attributes", value)
    if not isinstance(document, dict):
        raise ParameterError(
            "Parameter validation failed:\nInvalid type for parameter MessageAttributes, value: "
            f"{document!r}, type: {type(document)}, valid types: <class 'dict'>"
        )
    return document


COMMANDS: Final[dict[str, Callable[..., None]]] = {
    "send-message": send_message,
    "send-message-batch": send_message_batch,
    "receive-message": receive_message,
    "delete-message": delete_message,
    "delete-message-batch": delete_message_batch,
    "change-message-visibility": change_message_visibility,
}
