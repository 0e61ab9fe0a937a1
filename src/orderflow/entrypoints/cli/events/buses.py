"""Event buses: ``create-event-bus`` ... ``delete-event-bus``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Final

import typer

from orderflow.entrypoints.cli.arguments import tag_list
from orderflow.entrypoints.cli.context import engine
from orderflow.entrypoints.cli.options import Description, NamePrefix, Tags
from orderflow.entrypoints.cli.output import print_json, with_timestamps

BUS_TIMESTAMPS: Final = ("CreationTime", "LastModifiedTime")

BusName = Annotated[
    str, typer.Option("--name", help="The name of the event bus.", show_default=False)
]


def create_event_bus(
    ctx: typer.Context, *, name: BusName, description: Description = None, tags: Tags = None
) -> None:
    """Create a custom event bus, as `aws events create-event-bus`. Prints {"EventBusArn"}."""
    tag_map = tag_list("--tags", tags)
    with engine(ctx, existing=False) as opened:
        arn = opened.events.create_event_bus(name, description, tag_map)
    print_json({"EventBusArn": arn})


def describe_event_bus(
    ctx: typer.Context,
    *,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="The name or ARN of the bus (default: default).", show_default=False
        ),
    ] = None,
) -> None:
    """Describe an event bus, as `aws events describe-event-bus`."""
    with engine(ctx) as opened:
        print_json(with_timestamps(opened.events.describe_event_bus(name), BUS_TIMESTAMPS))


def list_event_buses(ctx: typer.Context, *, name_prefix: NamePrefix = None) -> None:
    """List the event buses, as `aws events list-event-buses`. Prints {"EventBuses": [...]}."""
    with engine(ctx) as opened:
        buses = opened.events.list_event_buses(name_prefix)
        print_json({"EventBuses": [with_timestamps(bus, BUS_TIMESTAMPS) for bus in buses]})


def delete_event_bus(ctx: typer.Context, *, name: BusName) -> None:
    """Delete a custom event bus with its rules and targets, as `aws events delete-event-bus`."""
    with engine(ctx) as opened:
        opened.events.delete_event_bus(name)


COMMANDS: Final[dict[str, Callable[..., None]]] = {
    "create-event-bus": create_event_bus,
    "describe-event-bus": describe_event_bus,
    "list-event-buses": list_event_buses,
    "delete-event-bus": delete_event_bus,
}
