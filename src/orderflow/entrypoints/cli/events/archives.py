"""Archives and replays: ``create-archive``, ``update-archive`` ... ``cancel-replay``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

import typer

from orderflow.entrypoints.cli.arguments import ParameterError, load_parameter, structure, timestamp
from orderflow.entrypoints.cli.context import engine
from orderflow.entrypoints.cli.options import Description, NamePrefix
from orderflow.entrypoints.cli.output import print_json, with_timestamps

TIMESTAMPS: Final = (
    "CreationTime",
    "EventStartTime",
    "EventEndTime",
    "ReplayStartTime",
    "ReplayEndTime",
    "EventLastReplayedTime",
)

ArchiveName = Annotated[
    str, typer.Option("--archive-name", help="The name of the archive.", show_default=False)
]
ArchivePattern = Annotated[
    str | None,
    typer.Option(
        "--event-pattern",
        help="Archive only the events matching this pattern (JSON, or file://path).",
        show_default=False,
    ),
]
ReplayName = Annotated[
    str, typer.Option("--replay-name", help="The name of the replay.", show_default=False)
]


def _shown(document: dict[str, Any]) -> dict[str, Any]:
    return with_timestamps(document, TIMESTAMPS)


def create_archive(
    ctx: typer.Context,
    *,
    archive_name: ArchiveName,
    event_source_arn: Annotated[
        str,
        typer.Option(
            "--event-source-arn",
            help="The ARN of the event bus whose events to archive.",
            show_default=False,
        ),
    ],
    description: Description = None,
    event_pattern: ArchivePattern = None,
    retention_days: Annotated[
        int,
        typer.Option("--retention-days", help="Days to keep events (0: forever).", min=0),
    ] = 0,
) -> None:
    """Create an archive of a bus's events, as `aws events create-archive`."""
    pattern = None if event_pattern is None else load_parameter("--event-pattern", event_pattern)
    with engine(ctx, existing=False) as opened:
        created = opened.events.create_archive(
            archive_name,
            event_source_arn,
            description=description,
            event_pattern=pattern,
            retention_days=retention_days,
        )
    print_json(_shown(created))


def update_archive(
    ctx: typer.Context,
    *,
    archive_name: ArchiveName,
    description: Description = None,
    event_pattern: ArchivePattern = None,
    retention_days: Annotated[
        int | None,
        typer.Option(
            "--retention-days", help="Days to keep events (0: forever).", min=0, show_default=False
        ),
    ] = None,
) -> None:
    """Change an archive's description, pattern or retention, as `aws events
    update-archive` (what is not given stays as it is)."""
    pattern = None if event_pattern is None else load_parameter("--event-pattern", event_pattern)
    with engine(ctx) as opened:
        updated = opened.events.update_archive(
            archive_name,
            description=description,
            event_pattern=pattern,
            retention_days=retention_days,
        )
    print_json(_shown(updated))


def describe_archive(ctx: typer.Context, *, archive_name: ArchiveName) -> None:
    """Describe an archive, as `aws events describe-archive`."""
    with engine(ctx) as opened:
        print_json(_shown(opened.events.describe_archive(archive_name)))


def list_archives(
    ctx: typer.Context,
    *,
    name_prefix: NamePrefix = None,
    event_source_arn: Annotated[
        str | None,
        typer.Option(
            "--event-source-arn", help="Only the archives of this bus.", show_default=False
        ),
    ] = None,
) -> None:
    """List archives, as `aws events list-archives`. Prints {"Archives": [...]}."""
    with engine(ctx) as opened:
        archives = opened.events.list_archives(name_prefix, event_source_arn)
    print_json({"Archives": [_shown(archive) for archive in archives]})


def delete_archive(ctx: typer.Context, *, archive_name: ArchiveName) -> None:
    """Delete an archive and the events it holds, as `aws events delete-archive`."""
    with engine(ctx) as opened:
        opened.events.delete_archive(archive_name)


def start_replay(
    ctx: typer.Context,
    *,
    replay_name: ReplayName,
    event_source_arn: Annotated[
        str,
        typer.Option(
            "--event-source-arn", help="The ARN of the archive to replay.", show_default=False
        ),
    ],
    event_start_time: Annotated[
        str,
        typer.Option(
            "--event-start-time",
            help="Replay events from this time (ISO 8601, or seconds since the epoch).",
            show_default=False,
        ),
    ],
    event_end_time: Annotated[
        str,
        typer.Option(
            "--event-end-time",
            help="...up to this time, excluded (ISO 8601, or seconds since the epoch).",
            show_default=False,
        ),
    ],
    destination: Annotated[
        str,
        typer.Option(
            "--destination",
            help='Where to: {"Arn": bus ARN, "FilterArns": [rule ARNs]} (JSON or Arn=...).',
            show_default=False,
        ),
    ],
    description: Description = None,
) -> None:
    """Replay archived events onto their bus, as `aws events start-replay`.

    The embedded engine replays the whole window before answering.
    """
    start = timestamp("--event-start-time", event_start_time)
    end = timestamp("--event-end-time", event_end_time)
    target = structure("--destination", destination, "Destination")
    arn = target.get("Arn")
    if not isinstance(arn, str):
        raise ParameterError(
            'Parameter validation failed:\nMissing required parameter in Destination: "Arn"'
        )
    filters = target.get("FilterArns") or []
    if isinstance(filters, str):
        filters = [filters]  # shorthand FilterArns=one-arn
    if not isinstance(filters, list) or not all(isinstance(f, str) for f in filters):
        raise ParameterError(
            "Parameter validation failed:\nInvalid type for parameter Destination.FilterArns, "
            f"value: {filters!r}, type: {type(filters)}, valid types: <class 'list'>"
        )
    with engine(ctx) as opened:
        started = opened.events.start_replay(
            replay_name,
            event_source_arn,
            start,
            end,
            arn,
            filter_arns=filters,
            description=description,
        )
    print_json(_shown(started))


def describe_replay(ctx: typer.Context, *, replay_name: ReplayName) -> None:
    """Describe a replay, as `aws events describe-replay`."""
    with engine(ctx) as opened:
        print_json(_shown(opened.events.describe_replay(replay_name)))


def list_replays(ctx: typer.Context, *, name_prefix: NamePrefix = None) -> None:
    """List replays, as `aws events list-replays`. Prints {"Replays": [...]}."""
    with engine(ctx) as opened:
        replays = opened.events.list_replays(name_prefix)
    print_json({"Replays": [_shown(replay) for replay in replays]})


def cancel_replay(ctx: typer.Context, *, replay_name: ReplayName) -> None:
    """Cancel a running replay, as `aws events cancel-replay`."""
    with engine(ctx) as opened:
        print_json(opened.events.cancel_replay(replay_name))


COMMANDS: Final[dict[str, Callable[..., None]]] = {
    "create-archive": create_archive,
    "update-archive": update_archive,
    "describe-archive": describe_archive,
    "list-archives": list_archives,
    "delete-archive": delete_archive,
    "start-replay": start_replay,
    "describe-replay": describe_replay,
    "list-replays": list_replays,
    "cancel-replay": cancel_replay,
}
