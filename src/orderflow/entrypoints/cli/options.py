"""Options several commands share, named as in the AWS CLI where they mirror it."""

from __future__ import annotations

from typing import Annotated

import typer

QueueUrl = Annotated[
    str,
    typer.Option(
        "--queue-url", help="The URL of the queue (its name works too).", show_default=False
    ),
]
EventBusName = Annotated[
    str | None,
    typer.Option(
        "--event-bus-name",
        help="The name or ARN of the event bus (default: the default bus).",
        show_default=False,
    ),
]
NamePrefix = Annotated[
    str | None,
    typer.Option("--name-prefix", help="Only the names that start with this.", show_default=False),
]
Description = Annotated[
    str | None, typer.Option("--description", help="A description.", show_default=False)
]
Tags = Annotated[
    list[str] | None,
    typer.Option(
        "--tags",
        help='Tags: a JSON list of {"Key": ..., "Value": ...} (or file://path), or '
        "Key=k,Value=v for each.",
        show_default=False,
    ),
]

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
