"""What the engine (or a remote endpoint) has now, read through its public operations
(List*, Describe*, Get*)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orderflow.eventbus.names import queue_name_from_url
from orderflow.eventbus.queues import attributes as queue_attributes
from orderflow.eventbus.queues.errors import QueueDoesNotExist
from orderflow.eventbus.topology_file.spec import OWNER_TAG

if TYPE_CHECKING:
    from orderflow.eventbus.apis import AwsApis

RuleKey = tuple[str, str]
"""A rule by (bus, name)."""


@dataclass(frozen=True)
class EngineState:
    """The engine's resources as AWS's read operations describe them."""

    buses: dict[str, str] = field(default_factory=dict)  # name -> description
    queues: dict[str, dict[str, str]] = field(default_factory=dict)  # settable attributes
    messages: dict[str, int] = field(default_factory=dict)  # queue -> approximate messages
    rules: dict[RuleKey, dict[str, Any]] = field(default_factory=dict)  # DescribeRule
    targets: dict[RuleKey, dict[str, dict[str, Any]]] = field(default_factory=dict)  # by id
    archives: dict[str, dict[str, Any]] = field(default_factory=dict)  # DescribeArchive
    queue_owners: dict[str, str] = field(default_factory=dict)  # queue -> its owner tag
    rule_owners: dict[RuleKey, str] = field(default_factory=dict)  # rule -> its owner tag


def read_state(apis: AwsApis, queues: Iterable[str] = ()) -> EngineState:
    """Every bus, rule (but those a service manages), target and archive ``apis`` has,
    and its queues, with the owner tag of each queue and rule.

    ListQueues stops at 1,000 queues (the engine has no NextToken) and on AWS may not
    list a queue created a moment ago, so the queues named in ``queues`` are also
    looked up one by one.
    """
    state = EngineState()
    events, sqs = apis.events, apis.sqs
    for bus in events.list_event_buses():
        name = bus["Name"]
        state.buses[name] = events.describe_event_bus(name).get("Description", "")
        for rule in events.list_rules(event_bus_name=name):
            if rule.get("ManagedBy"):
                continue  # a service's own rule (on AWS, an archive's): not a file's to manage
            key = (name, rule["Name"])
            state.rules[key] = rule
            owner = events.list_tags_for_resource(rule["Arn"]).get(OWNER_TAG)
            if owner is not None:
                state.rule_owners[key] = owner
            state.targets[key] = {
                target["Id"]: target
                for target in events.list_targets_by_rule(rule["Name"], event_bus_name=name)
            }
    listed = [queue_name_from_url(url) for url in sqs.list_queues()]
    for queue in dict.fromkeys([*listed, *queues]):
        try:
            described = sqs.get_queue_attributes(queue)
        except QueueDoesNotExist:
            continue
        state.queues[queue] = {
            key: value for key, value in described.items() if key in queue_attributes.SETTABLE
        }
        owner = sqs.list_queue_tags(queue).get(OWNER_TAG)
        if owner is not None:
            state.queue_owners[queue] = owner
        state.messages[queue] = sum(
            int(described.get(count, "0"))
            for count in (
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            )
        )
    for archive in events.list_archives():
        state.archives[archive["ArchiveName"]] = archive
    return state
