"""TagResource, UntagResource and ListTagsForResource on buses and rules, on every store."""

from __future__ import annotations

import pytest

from orderflow.eventbus.engine import Engine
from orderflow.eventbus.errors import ResourceNotFoundException, ValidationException


def test_a_bus_keeps_its_tags_and_loses_the_untagged_ones(engine: Engine) -> None:
    arn = engine.events.create_event_bus("orders", tags={"team": "checkout"})
    engine.events.tag_resource(arn, {"env": "dev"})
    assert engine.events.list_tags_for_resource(arn) == {"team": "checkout", "env": "dev"}
    engine.events.untag_resource(arn, ["team"])
    assert engine.events.list_tags_for_resource(arn) == {"env": "dev"}


def test_rules_are_named_with_or_without_their_bus(engine: Engine) -> None:
    engine.events.create_event_bus("orders")
    on_default = engine.events.put_rule("r", '{"source": ["a"]}')
    on_orders = engine.events.put_rule("r", '{"source": ["a"]}', event_bus_name="orders")
    engine.events.tag_resource(on_default, {"k": "default"})
    engine.events.tag_resource(on_orders, {"k": "orders"})
    assert engine.events.list_tags_for_resource(on_default) == {"k": "default"}
    assert engine.events.list_tags_for_resource(on_orders) == {"k": "orders"}
    assert engine.events.describe_rule("r", "orders")["Arn"] == on_orders


def test_unknown_resources_and_bad_arns_are_refused(engine: Engine) -> None:
    with pytest.raises(ResourceNotFoundException, match="Rule nope does not exist"):
        engine.events.list_tags_for_resource(engine.scope.rule_arn("default", "nope"))
    with pytest.raises(ResourceNotFoundException, match="Event bus nope does not exist"):
        engine.events.tag_resource(engine.scope.bus_arn("nope"), {"a": "b"})
    with pytest.raises(ValidationException, match="ResourceARN"):
        engine.events.tag_resource("arn:aws:sqs:us-east-1:000000000000:q", {"a": "b"})
