"""EventBridge's list operations with ``Limit`` and ``NextToken`` (ListEventBuses,
ListRules, ListRuleNamesByTarget, ListTargetsByRule, ListArchives, ListReplays): a page
of at most ``Limit`` (1 to 100) items in name order, and a token while more follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from orderflow.eventbus.bus import validation as check
from orderflow.eventbus.bus.admin import BusAdmin
from orderflow.eventbus.bus.archives import Archives
from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.pages import Page, paginate

MAX_LIMIT: Final = 100
T = TypeVar("T")


def _invalid_token() -> ValidationException:
    return ValidationException("The NextToken provided is invalid.")


def _page(
    items: list[T], key: Callable[[T], str], limit: int | None, token: str | None, scope: str
) -> Page[T]:
    check.check_range(limit, "limit", 1, MAX_LIMIT)
    return paginate(items, key, limit=limit, token=token, scope=scope, invalid=_invalid_token)


def _name(described: dict[str, Any]) -> str:
    return str(described["Name"])


class Listing(BusAdmin, Archives):
    """The paginated list operations."""

    def list_event_buses_page(
        self, name_prefix: str | None = None, limit: int | None = None, token: str | None = None
    ) -> Page[dict[str, Any]]:
        buses = self.list_event_buses(name_prefix)
        return _page(buses, _name, limit, token, f"ListEventBuses/{name_prefix or ''}")

    def list_rules_page(
        self,
        name_prefix: str | None = None,
        event_bus_name: str | None = None,
        limit: int | None = None,
        token: str | None = None,
    ) -> Page[dict[str, Any]]:
        rules = self.list_rules(name_prefix, event_bus_name)
        scope = f"ListRules/{self.bus_name(event_bus_name)}/{name_prefix or ''}"
        return _page(rules, _name, limit, token, scope)

    def list_targets_by_rule_page(
        self,
        rule: str,
        event_bus_name: str | None = None,
        limit: int | None = None,
        token: str | None = None,
    ) -> Page[dict[str, Any]]:
        targets = self.list_targets_by_rule(rule, event_bus_name)
        scope = f"ListTargetsByRule/{self.bus_name(event_bus_name)}/{rule}"
        return _page(targets, lambda target: str(target["Id"]), limit, token, scope)

    def list_rule_names_by_target_page(
        self,
        target_arn: str,
        event_bus_name: str | None = None,
        limit: int | None = None,
        token: str | None = None,
    ) -> Page[str]:
        names = self.list_rule_names_by_target(target_arn, event_bus_name)
        scope = f"ListRuleNamesByTarget/{self.bus_name(event_bus_name)}/{target_arn}"
        return _page(names, lambda name: name, limit, token, scope)

    def list_archives_page(
        self,
        name_prefix: str | None = None,
        event_source_arn: str | None = None,
        limit: int | None = None,
        token: str | None = None,
    ) -> Page[dict[str, Any]]:
        archives = self.list_archives(name_prefix, event_source_arn)
        scope = f"ListArchives/{name_prefix or ''}/{event_source_arn or ''}"
        return _page(archives, lambda archive: str(archive["ArchiveName"]), limit, token, scope)

    def list_replays_page(
        self, name_prefix: str | None = None, limit: int | None = None, token: str | None = None
    ) -> Page[dict[str, Any]]:
        replays = self.list_replays(name_prefix)
        scope = f"ListReplays/{name_prefix or ''}"
        return _page(replays, lambda replay: str(replay["ReplayName"]), limit, token, scope)
