"""EventBridge's operations over a boto3 ``events`` client, as the engine's ``EventsApi``.

Parameters and results are the engine's (``eventbus.bus``): optional ones left out of
the request when None, every List operation followed over its NextToken pages, and
``list_archives`` completed with what DescribeArchive adds (EventPattern, Description),
which AWS's ListArchives leaves out. ``ResourceNotFoundException`` and
``ResourceAlreadyExistsException`` are raised as the engine's classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from orderflow.adapters.aws.calls import KnownErrors, given, paged, plain, remote_call
from orderflow.eventbus.bus.admin import FailedEntry
from orderflow.eventbus.errors import ResourceAlreadyExistsException, ResourceNotFoundException

EVENTS_ERRORS: Final[KnownErrors] = {
    "ResourceNotFoundException": ResourceNotFoundException,
    "ResourceAlreadyExistsException": ResourceAlreadyExistsException,
}
ARCHIVE_FIELDS: Final = (
    "ArchiveArn",
    "ArchiveName",
    "EventSourceArn",
    "EventPattern",
    "Description",
    "State",
    "StateReason",
    "RetentionDays",
    "CreationTime",
)
"""An archive as the engine's ListArchives shows it."""


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]] | None:
    return [{"Key": key, "Value": value} for key, value in tags.items()] if tags else None


def _failed(response: Mapping[str, Any]) -> list[FailedEntry]:
    return [
        FailedEntry(
            str(entry.get("TargetId", "")),
            str(entry.get("ErrorCode", "")),
            str(entry.get("ErrorMessage", "")),
        )
        for entry in response.get("FailedEntries") or []
    ]


class RemoteEvents:
    """The EventBridge operations the topology file uses, on a remote endpoint."""

    def __init__(self, client: Any, where: str, *, page_size: int | None = None) -> None:
        self.client = client
        self.where = where  # the endpoint, as error messages name it
        self.page_size = page_size  # List operations' Limit (None: the endpoint's, 100 on AWS)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        with remote_call(self.where, EVENTS_ERRORS):
            response = getattr(self.client, operation)(**given(**params))
        answer: dict[str, Any] = plain(response)
        return answer

    def _list(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        call = getattr(self.client, operation)
        return list(paged(call, key, self.where, EVENTS_ERRORS, Limit=self.page_size, **params))

    def create_event_bus(
        self, name: str, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> str:
        answer = self._call(
            "create_event_bus", Name=name, Description=description, Tags=_tags(tags)
        )
        return str(answer["EventBusArn"])

    def describe_event_bus(self, name: str | None = None) -> dict[str, Any]:
        return self._call("describe_event_bus", Name=name)

    def list_event_buses(self, name_prefix: str | None = None) -> list[dict[str, Any]]:
        return self._list("list_event_buses", "EventBuses", NamePrefix=name_prefix)

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
        answer = self._call(
            "put_rule",
            Name=name,
            EventPattern=event_pattern,
            State=state,
            Description=description,
            EventBusName=event_bus_name,
            ScheduleExpression=schedule_expression,
            RoleArn=role_arn,
            Tags=_tags(tags),
        )
        return str(answer["RuleArn"])

    def list_rules(
        self, name_prefix: str | None = None, event_bus_name: str | None = None
    ) -> list[dict[str, Any]]:
        return self._list(
            "list_rules", "Rules", NamePrefix=name_prefix, EventBusName=event_bus_name
        )

    def delete_rule(self, name: str, event_bus_name: str | None = None) -> None:
        self._call("delete_rule", Name=name, EventBusName=event_bus_name)

    def put_targets(
        self, rule: str, targets: Sequence[Mapping[str, Any]], event_bus_name: str | None = None
    ) -> list[FailedEntry]:
        answer = self._call(
            "put_targets",
            Rule=rule,
            EventBusName=event_bus_name,
            Targets=[dict(target) for target in targets],
        )
        return _failed(answer)

    def remove_targets(
        self, rule: str, ids: Sequence[str], event_bus_name: str | None = None
    ) -> list[FailedEntry]:
        answer = self._call("remove_targets", Rule=rule, EventBusName=event_bus_name, Ids=list(ids))
        return _failed(answer)

    def list_targets_by_rule(
        self, rule: str, event_bus_name: str | None = None
    ) -> list[dict[str, Any]]:
        return self._list("list_targets_by_rule", "Targets", Rule=rule, EventBusName=event_bus_name)

    def create_archive(
        self,
        name: str,
        event_source_arn: str,
        *,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int = 0,
    ) -> dict[str, Any]:
        return self._call(
            "create_archive",
            ArchiveName=name,
            EventSourceArn=event_source_arn,
            Description=description,
            EventPattern=event_pattern,
            RetentionDays=retention_days,
        )

    def update_archive(
        self,
        name: str,
        *,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int | None = None,
    ) -> dict[str, Any]:
        return self._call(
            "update_archive",
            ArchiveName=name,
            Description=description,
            EventPattern=event_pattern,
            RetentionDays=retention_days,
        )

    def list_archives(
        self, name_prefix: str | None = None, event_source_arn: str | None = None
    ) -> list[dict[str, Any]]:
        archives: list[dict[str, Any]] = []
        listed = self._list(
            "list_archives", "Archives", NamePrefix=name_prefix, EventSourceArn=event_source_arn
        )
        for archive in listed:
            try:
                described = self._call("describe_archive", ArchiveName=archive["ArchiveName"])
            except ResourceNotFoundException:
                continue  # deleted between the two calls
            archives.append({key: described[key] for key in ARCHIVE_FIELDS if key in described})
        return archives

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        self._call("tag_resource", ResourceARN=arn, Tags=_tags(tags))

    def list_tags_for_resource(self, arn: str) -> dict[str, str]:
        answer = self._call("list_tags_for_resource", ResourceARN=arn)
        return {str(tag["Key"]): str(tag["Value"]) for tag in answer.get("Tags") or []}
