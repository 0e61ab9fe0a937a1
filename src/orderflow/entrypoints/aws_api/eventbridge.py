"""EventBridge's operations (``X-Amz-Target: AWSEvents.<Operation>``) over the engine.

Each operation reads its members from ``Params`` and returns the response document;
the engine raises the errors, already named and worded as EventBridge's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from orderflow.entrypoints.aws_api.params import Params, tag_pairs
from orderflow.entrypoints.aws_responses import failed_targets, next_token
from orderflow.eventbus import ValidationException, test_event_pattern
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.pages import Page

Operation = Callable[[Engine, Params], dict[str, Any]]


def missing_member(name: str) -> ValidationException:
    """EventBridge's answer to an absent required member."""
    member = name[:1].lower() + name[1:]
    return ValidationException(
        f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
        "Member must not be null"
    )


def _bus(params: Params) -> str | None:
    return params.optional_text("EventBusName")


def put_events(engine: Engine, params: Params) -> dict[str, Any]:
    return engine.events.put_events(params.objects("Entries")).as_aws()


def test_pattern(engine: Engine, params: Params) -> dict[str, Any]:
    return {"Result": test_event_pattern(params.text("EventPattern"), params.text("Event"))}


def put_rule(engine: Engine, params: Params) -> dict[str, Any]:
    arn = engine.events.put_rule(
        params.text("Name"),
        params.optional_text("EventPattern"),
        state=params.optional_text("State"),
        description=params.optional_text("Description"),
        event_bus_name=_bus(params),
        schedule_expression=params.optional_text("ScheduleExpression"),
        role_arn=params.optional_text("RoleArn"),
        tags=tag_pairs(params.objects("Tags")) if "Tags" in params.members else None,
    )
    return {"RuleArn": arn}


def describe_rule(engine: Engine, params: Params) -> dict[str, Any]:
    return engine.events.describe_rule(params.text("Name"), _bus(params))


def _paged(member: str, page: Page[Any]) -> dict[str, Any]:
    """A list answer: its items, and NextToken while more follow."""
    return {member: page.items, **next_token(page)}


def _limit(params: Params) -> tuple[int | None, str | None]:
    return params.optional_integer("Limit"), params.optional_text("NextToken")


def list_rules(engine: Engine, params: Params) -> dict[str, Any]:
    page = engine.events.list_rules_page(
        params.optional_text("NamePrefix"), _bus(params), *_limit(params)
    )
    return _paged("Rules", page)


def delete_rule(engine: Engine, params: Params) -> dict[str, Any]:
    engine.events.delete_rule(params.text("Name"), _bus(params))
    return {}


def enable_rule(engine: Engine, params: Params) -> dict[str, Any]:
    engine.events.enable_rule(params.text("Name"), _bus(params))
    return {}


def disable_rule(engine: Engine, params: Params) -> dict[str, Any]:
    engine.events.disable_rule(params.text("Name"), _bus(params))
    return {}


def put_targets(engine: Engine, params: Params) -> dict[str, Any]:
    failed = engine.events.put_targets(params.text("Rule"), params.objects("Targets"), _bus(params))
    return failed_targets(failed)


def remove_targets(engine: Engine, params: Params) -> dict[str, Any]:
    params.required("Ids")
    failed = engine.events.remove_targets(
        params.text("Rule"), params.text_list("Ids"), _bus(params)
    )
    return failed_targets(failed)


def list_targets_by_rule(engine: Engine, params: Params) -> dict[str, Any]:
    page = engine.events.list_targets_by_rule_page(
        params.text("Rule"), _bus(params), *_limit(params)
    )
    return _paged("Targets", page)


def list_rule_names_by_target(engine: Engine, params: Params) -> dict[str, Any]:
    page = engine.events.list_rule_names_by_target_page(
        params.text("TargetArn"), _bus(params), *_limit(params)
    )
    return _paged("RuleNames", page)


def create_event_bus(engine: Engine, params: Params) -> dict[str, Any]:
    tags = tag_pairs(params.objects("Tags")) if "Tags" in params.members else None
    arn = engine.events.create_event_bus(
        params.text("Name"), params.optional_text("Description"), tags
    )
    return {"EventBusArn": arn}


def describe_event_bus(engine: Engine, params: Params) -> dict[str, Any]:
    return engine.events.describe_event_bus(params.optional_text("Name"))


def list_event_buses(engine: Engine, params: Params) -> dict[str, Any]:
    page = engine.events.list_event_buses_page(params.optional_text("NamePrefix"), *_limit(params))
    return _paged("EventBuses", page)


def delete_event_bus(engine: Engine, params: Params) -> dict[str, Any]:
    engine.events.delete_event_bus(params.text("Name"))
    return {}


def create_archive(engine: Engine, params: Params) -> dict[str, Any]:
    return engine.events.create_archive(
        params.text("ArchiveName"),
        params.text("EventSourceArn"),
        description=params.optional_text("Description"),
        event_pattern=params.optional_text("EventPattern"),
        retention_days=params.integer("RetentionDays", 0),
    )


def describe_archive(engine: Engine, params: Params) -> dict[str, Any]:
    return engine.events.describe_archive(params.text("ArchiveName"))


def list_archives(engine: Engine, params: Params) -> dict[str, Any]:
    page = engine.events.list_archives_page(
        params.optional_text("NamePrefix"), params.optional_text("EventSourceArn"), *_limit(params)
    )
    return _paged("Archives", page)


def update_archive(engine: Engine, params: Params) -> dict[str, Any]:
    return engine.events.update_archive(
        params.text("ArchiveName"),
        description=params.optional_text("Description"),
        event_pattern=params.optional_text("EventPattern"),
        retention_days=params.optional_integer("RetentionDays"),
    )


def delete_archive(engine: Engine, params: Params) -> dict[str, Any]:
    engine.events.delete_archive(params.text("ArchiveName"))
    return {}


def start_replay(engine: Engine, params: Params) -> dict[str, Any]:
    destination = params.structure("Destination") or {}
    arn = destination.get("Arn")
    if not isinstance(arn, str):
        raise missing_member("Destination.Arn")
    filters = destination.get("FilterArns") or []
    return engine.events.start_replay(
        params.text("ReplayName"),
        params.text("EventSourceArn"),
        params.number("EventStartTime"),
        params.number("EventEndTime"),
        arn,
        filter_arns=[str(item) for item in filters],
        description=params.optional_text("Description"),
    )


def describe_replay(engine: Engine, params: Params) -> dict[str, Any]:
    return engine.events.describe_replay(params.text("ReplayName"))


def list_replays(engine: Engine, params: Params) -> dict[str, Any]:
    page = engine.events.list_replays_page(params.optional_text("NamePrefix"), *_limit(params))
    return _paged("Replays", page)


def cancel_replay(engine: Engine, params: Params) -> dict[str, Any]:
    return engine.events.cancel_replay(params.text("ReplayName"))


def tag_resource(engine: Engine, params: Params) -> dict[str, Any]:
    engine.events.tag_resource(params.text("ResourceARN"), tag_pairs(params.objects("Tags")))
    return {}


def untag_resource(engine: Engine, params: Params) -> dict[str, Any]:
    params.required("TagKeys")
    engine.events.untag_resource(params.text("ResourceARN"), params.text_list("TagKeys"))
    return {}


def list_tags_for_resource(engine: Engine, params: Params) -> dict[str, Any]:
    tags = engine.events.list_tags_for_resource(params.text("ResourceARN"))
    return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}


OPERATIONS: Final[dict[str, Operation]] = {
    "PutEvents": put_events,
    "TestEventPattern": test_pattern,
    "PutRule": put_rule,
    "DescribeRule": describe_rule,
    "ListRules": list_rules,
    "DeleteRule": delete_rule,
    "EnableRule": enable_rule,
    "DisableRule": disable_rule,
    "PutTargets": put_targets,
    "RemoveTargets": remove_targets,
    "ListTargetsByRule": list_targets_by_rule,
    "ListRuleNamesByTarget": list_rule_names_by_target,
    "CreateEventBus": create_event_bus,
    "DescribeEventBus": describe_event_bus,
    "ListEventBuses": list_event_buses,
    "DeleteEventBus": delete_event_bus,
    "CreateArchive": create_archive,
    "DescribeArchive": describe_archive,
    "ListArchives": list_archives,
    "UpdateArchive": update_archive,
    "DeleteArchive": delete_archive,
    "StartReplay": start_replay,
    "DescribeReplay": describe_replay,
    "ListReplays": list_replays,
    "CancelReplay": cancel_replay,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
"""EventBridge's operations by name."""
