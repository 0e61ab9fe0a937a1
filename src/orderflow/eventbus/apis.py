"""The AWS-shaped operations that managing a topology needs, as ports.

``AwsApis`` is what ``topology_file`` plans and applies against: ``.events`` (the
EventBridge operations of ``EventsApi``), ``.sqs`` (the SQS operations of ``QueuesApi``)
and ``.scope`` (the region and account ARNs are built in). The embedded ``Engine``
satisfies it as it is; ``orderflow.adapters.aws.apis`` does over boto3, for a remote
endpoint. Signatures and return shapes are the engine's own (``EventBridge`` in
``eventbus.bus``, ``Queues`` in ``eventbus.queues``): AWS's field names, queues by name
(or URL), timestamps in epoch seconds; an implementation raises the engine's errors
(``QueueDoesNotExist``, ``ResourceNotFoundException``, ... all ``AwsError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from orderflow.eventbus.bus.admin import FailedEntry
    from orderflow.eventbus.names import AwsScope


class EventsApi(Protocol):
    """EventBridge: buses, rules, targets and archives."""

    def create_event_bus(
        self, name: str, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> str:
        """CreateEventBus: the new bus's ARN."""
        ...

    def describe_event_bus(self, name: str | None = None) -> dict[str, Any]:
        """DescribeEventBus: Name, Arn and Description (when it has one)."""
        ...

    def list_event_buses(self, name_prefix: str | None = None) -> list[dict[str, Any]]:
        """ListEventBuses: every bus (Name, Arn), the default one included."""
        ...

    def put_rule(
        self,
        name: str,
        event_pattern: str | None,
        *,
        state: str | None = None,
        description: str | None = None,
        event_bus_name: str | None = None,
        schedule_expression: str | None = None,
        role_arn: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """PutRule: create or replace a rule; its ARN."""
        ...

    def list_rules(
        self, name_prefix: str | None = None, event_bus_name: str | None = None
    ) -> list[dict[str, Any]]:
        """ListRules: every rule of the bus, as DescribeRule shows it."""
        ...

    def delete_rule(self, name: str, event_bus_name: str | None = None) -> None:
        """DeleteRule (one with targets cannot be deleted)."""
        ...

    def put_targets(
        self, rule: str, targets: Sequence[Mapping[str, Any]], event_bus_name: str | None = None
    ) -> list[FailedEntry]:
        """PutTargets (AWS's field names): the entries that failed."""
        ...

    def remove_targets(
        self, rule: str, ids: Sequence[str], event_bus_name: str | None = None
    ) -> list[FailedEntry]:
        """RemoveTargets: the ids that could not be removed."""
        ...

    def list_targets_by_rule(
        self, rule: str, event_bus_name: str | None = None
    ) -> list[dict[str, Any]]:
        """ListTargetsByRule: every target of the rule, as PutTargets takes them."""
        ...

    def create_archive(
        self,
        name: str,
        event_source_arn: str,
        *,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int = 0,
    ) -> dict[str, Any]:
        """CreateArchive: ArchiveArn, State and CreationTime."""
        ...

    def update_archive(
        self,
        name: str,
        *,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int | None = None,
    ) -> dict[str, Any]:
        """UpdateArchive (None keeps a setting, "" clears a text one): ArchiveArn and State."""
        ...

    def list_archives(
        self, name_prefix: str | None = None, event_source_arn: str | None = None
    ) -> list[dict[str, Any]]:
        """Every archive with its settings (as DescribeArchive shows them: EventPattern and
        Description included, which AWS's ListArchives leaves out)."""
        ...

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        """TagResource (a bus or a rule, by ARN)."""
        ...

    def list_tags_for_resource(self, arn: str) -> dict[str, str]:
        """ListTagsForResource: the tags of a bus or a rule, by key."""
        ...


class QueuesApi(Protocol):
    """SQS: queues and their attributes, each queue by name (or URL)."""

    def create_queue(
        self,
        name: str,
        attributes: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """CreateQueue: the queue's URL."""
        ...

    def set_queue_attributes(self, queue: str, attributes: Mapping[str, str]) -> None:
        """SetQueueAttributes ("" removes a text attribute such as RedrivePolicy)."""
        ...

    def delete_queue(self, queue: str) -> None:
        """DeleteQueue."""
        ...

    def list_queues(self, prefix: str | None = None, max_results: int | None = None) -> list[str]:
        """ListQueues: the URLs of the queues whose name starts with ``prefix``."""
        ...

    def get_queue_attributes(self, queue: str, names: Iterable[str] = ("All",)) -> dict[str, str]:
        """GetQueueAttributes (``QueueDoesNotExist`` for a queue that does not exist)."""
        ...

    def tag_queue(self, queue: str, tags: Mapping[str, str]) -> None:
        """TagQueue."""
        ...

    def list_queue_tags(self, queue: str) -> dict[str, str]:
        """ListQueueTags: the queue's tags, by key."""
        ...


class AwsApis(Protocol):
    """EventBridge and SQS in one region and account (an ``Engine``, or a remote endpoint)."""

    @property
    def events(self) -> EventsApi: ...

    @property
    def sqs(self) -> QueuesApi: ...

    @property
    def scope(self) -> AwsScope:
        """The region and account that ARNs of these APIs' resources name."""
        ...
