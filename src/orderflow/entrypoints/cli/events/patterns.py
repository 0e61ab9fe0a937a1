"""``test-event-pattern`` and ``put-events``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

import typer

from orderflow.entrypoints.cli.arguments import ParameterError, json_list, load_parameter
from orderflow.entrypoints.cli.context import engine
from orderflow.entrypoints.cli.output import print_json
from orderflow.eventbus import test_event_pattern

ENTRY_MEMBERS: Final[dict[str, type | tuple[type, ...]]] = {
    "Source": str,
    "DetailType": str,
    "Detail": str,
    "EventBusName": str,
    "Resources": list,
    "Time": (str, int, float),
    "TraceHeader": str,
}


def run_test_event_pattern(
    event_pattern: Annotated[
        str,
        typer.Option(
            "--event-pattern",
            help="The event pattern (JSON text, or file://path).",
            show_default=False,
        ),
    ],
    event: Annotated[
        str,
        typer.Option(
            "--event",
            help="The event, with the envelope fields EventBridge requires (JSON, or file://path).",
            show_default=False,
        ),
    ],
) -> None:
    """Test whether an event matches an event pattern, as `aws events test-event-pattern`.

    Prints {"Result": true|false}. An invalid pattern or event prints AWS's error
    code and message and exits with status 254.
    """
    pattern_text = load_parameter("--event-pattern", event_pattern)
    event_text = load_parameter("--event", event)
    print_json({"Result": test_event_pattern(pattern_text, event_text)})


def put_events(
    ctx: typer.Context,
    *,
    entries: Annotated[
        list[str],
        typer.Option(
            "--entries",
            help=(
                'The events: a JSON list of {"Source", "DetailType", "Detail" (JSON text), '
                '"EventBusName", "Resources", "Time"} (or file://path), or one '
                "Source=...,DetailType=...,Detail=... per event."
            ),
            show_default=False,
        ),
    ],
) -> None:
    """Send events to event buses, as `aws events put-events`.

    Prints {"FailedEntryCount", "Entries"}: an EventId per accepted event, an
    ErrorCode and ErrorMessage per refused one, in request order.
    """
    parsed = json_list("--entries", entries, "Entries")
    for position, entry in enumerate(parsed):
        check_members(f"Entries[{position}]", entry, ENTRY_MEMBERS)
    with engine(ctx, existing=False) as opened:
        result = opened.events.put_events(parsed)
    print_json(result.as_aws())


def check_members(
    where: str, document: dict[str, Any], types: dict[str, type | tuple[type, ...]]
) -> None:
    """The AWS CLI's parameter validation: known members, of the right type."""
    for key, value in document.items():
        expected = types.get(key)
        if expected is None:
            raise ParameterError(
                f'Parameter validation failed:\nUnknown parameter in {where}: "{key}", must be '
                f"one of: {', '.join(types)}"
            )
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ParameterError(
                f"Parameter validation failed:\nInvalid type for parameter {where}.{key}, value: "
                f"{value!r}, type: {type(value)}, valid types: {expected}"
            )


COMMANDS: Final[dict[str, Callable[..., None]]] = {
    "test-event-pattern": run_test_event_pattern,
    "put-events": put_events,
}
