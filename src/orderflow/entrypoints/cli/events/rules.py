"""Rules and their targets: ``put-rule`` ... ``list-rule-names-by-target``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Final

import typer

from orderflow.entrypoints.aws_responses import failed_targets
from orderflow.entrypoints.cli.arguments import json_list, load_parameter, string_list, tag_list
from orderflow.entrypoints.cli.context import engine
from orderflow.entrypoints.cli.options import Description, EventBusName, NamePrefix, Tags
from orderflow.entrypoints.cli.output import print_json

RuleName = Annotated[str, typer.Option("--name", help="The name of the rule.", show_default=False)]
TargetRule = Annotated[
    str, typer.Option("--rule", help="The name of the rule.", show_default=False)
]


def put_rule(
    ctx: typer.Context,
    *,
    name: RuleName,
    event_pattern: Annotated[
        str | None,
        typer.Option(
            "--event-pattern",
            help="The event pattern (JSON text, or file://path).",
            show_default=False,
        ),
    ] = None,
    schedule_expression: Annotated[
        str | None,
        typer.Option(
            "--schedule-expression",
            help="Not supported by the embedded engine (rules are triggered by events).",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option("--state", help="ENABLED (default) or DISABLED.", show_default=False),
    ] = None,
    description: Description = None,
    role_arn: Annotated[
        str | None, typer.Option("--role-arn", help="Kept, not used.", show_default=False)
    ] = None,
    tags: Tags = None,
    event_bus_name: EventBusName = None,
) -> None:
    """Create or update a rule, as `aws events put-rule`. Prints {"RuleArn"}."""
    pattern = None if event_pattern is None else load_parameter("--event-pattern", event_pattern)
    tag_map = tag_list("--tags", tags)
    with engine(ctx, existing=False) as opened:
        arn = opened.events.put_rule(
            name,
            pattern,
            state=state,
            description=description,
            event_bus_name=event_bus_name,
            schedule_expression=schedule_expression,
            role_arn=role_arn,
            tags=tag_map,
        )
    print_json({"RuleArn": arn})


def describe_rule(
    ctx: typer.Context, *, name: RuleName, event_bus_name: EventBusName = None
) -> None:
    """Describe a rule, as `aws events describe-rule`."""
    with engine(ctx) as opened:
        print_json(opened.events.describe_rule(name, event_bus_name))


def list_rules(
    ctx: typer.Context, *, name_prefix: NamePrefix = None, event_bus_name: EventBusName = None
) -> None:
    """List the rules of an event bus, as `aws events list-rules`. Prints {"Rules": [...]}."""
    with engine(ctx) as opened:
        print_json({"Rules": opened.events.list_rules(name_prefix, event_bus_name)})


def delete_rule(ctx: typer.Context, *, name: RuleName, event_bus_name: EventBusName = None) -> None:
    """Delete a rule (remove its targets first), as `aws events delete-rule`."""
    with engine(ctx) as opened:
        opened.events.delete_rule(name, event_bus_name)


def enable_rule(ctx: typer.Context, *, name: RuleName, event_bus_name: EventBusName = None) -> None:
    """Enable a rule, as `aws events enable-rule`."""
    with engine(ctx) as opened:
        opened.events.enable_rule(name, event_bus_name)


def disable_rule(
    ctx: typer.Context, *, name: RuleName, event_bus_name: EventBusName = None
) -> None:
    """Disable a rule (it matches nothing until enabled), as `aws events disable-rule`."""
    with engine(ctx) as opened:
        opened.events.disable_rule(name, event_bus_name)


def put_targets(
    ctx: typer.Context,
    *,
    rule: TargetRule,
    targets: Annotated[
        list[str],
        typer.Option(
            "--targets",
            help=(
                'The targets: a JSON list of {"Id", "Arn", "Input" | "InputPath" | '
                '"InputTransformer", "RetryPolicy", "DeadLetterConfig", ...} (or file://path), '
                "or one Id=...,Arn=... per target."
            ),
            show_default=False,
        ),
    ],
    event_bus_name: EventBusName = None,
) -> None:
    """Add or replace targets of a rule, as `aws events put-targets`.

    Prints {"FailedEntryCount", "FailedEntries"}.
    """
    parsed = json_list("--targets", targets, "Targets")
    with engine(ctx, existing=False) as opened:
        failed = opened.events.put_targets(rule, parsed, event_bus_name)
    print_json(failed_targets(failed))


def remove_targets(
    ctx: typer.Context,
    *,
    rule: TargetRule,
    ids: Annotated[
        list[str],
        typer.Option(
            "--ids", help="The ids of the targets to remove (--ids a b).", show_default=False
        ),
    ],
    event_bus_name: EventBusName = None,
) -> None:
    """Remove targets from a rule, as `aws events remove-targets`.

    Prints {"FailedEntryCount", "FailedEntries"}.
    """
    target_ids = string_list("--ids", ids)
    with engine(ctx) as opened:
        failed = opened.events.remove_targets(rule, target_ids, event_bus_name)
    print_json(failed_targets(failed))


def list_targets_by_rule(
    ctx: typer.Context, *, rule: TargetRule, event_bus_name: EventBusName = None
) -> None:
    """List the targets of a rule, as `aws events list-targets-by-rule`."""
    with engine(ctx) as opened:
        print_json({"Targets": opened.events.list_targets_by_rule(rule, event_bus_name)})


def list_rule_names_by_target(
    ctx: typer.Context,
    *,
    target_arn: Annotated[
        str, typer.Option("--target-arn", help="The ARN of the target.", show_default=False)
    ],
    event_bus_name: EventBusName = None,
) -> None:
    """List the rules that send to a target, as `aws events list-rule-names-by-target`."""
    with engine(ctx) as opened:
        names = opened.events.list_rule_names_by_target(target_arn, event_bus_name)
    print_json({"RuleNames": names})


COMMANDS: Final[dict[str, Callable[..., None]]] = {
    "put-rule": put_rule,
    "describe-rule": describe_rule,
    "list-rules": list_rules,
    "delete-rule": delete_rule,
    "enable-rule": enable_rule,
    "disable-rule": disable_rule,
    "put-targets": put_targets,
    "remove-targets": remove_targets,
    "list-targets-by-rule": list_targets_by_rule,
    "list-rule-names-by-target": list_rule_names_by_target,
}
