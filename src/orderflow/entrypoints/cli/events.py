"""``orderflow events ...``: EventBridge operations, named and shaped as in ``aws events``."""

from __future__ import annotations

from typing import Annotated

import typer

from orderflow.entrypoints.cli.arguments import ParameterError, load_parameter
from orderflow.entrypoints.cli.output import (
    fail_with_parameter_error,
    fail_with_service_error,
    print_json,
)
from orderflow.eventbus import AwsError, test_event_pattern

app = typer.Typer(
    name="events",
    help="EventBridge operations, with the AWS CLI's names, parameters and JSON output.",
    no_args_is_help=True,
)


@app.command("test-event-pattern")
def test_event_pattern_command(
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
    try:
        pattern_text = load_parameter("event-pattern", event_pattern)
        event_text = load_parameter("event", event)
    except ParameterError as exc:
        fail_with_parameter_error(str(exc))
    try:
        result = test_event_pattern(pattern_text, event_text)
    except AwsError as exc:
        fail_with_service_error(exc, "TestEventPattern")
    print_json({"Result": result})


# Keep pytest from collecting the AWS-named function if a test imports this module.
test_event_pattern_command.__test__ = False  # type: ignore[attr-defined]
