"""TagResource, UntagResource and ListTagsForResource on event buses and rules.

Resources are named by ARN, as on AWS: ``arn:aws:events:REGION:ACCOUNT:event-bus/NAME``,
``...:rule/NAME`` (a rule of the default bus) or ``...:rule/BUS/NAME``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Final

from orderflow.eventbus.bus.admin import BusContext
from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.model.bus import DEFAULT_BUS
from orderflow.eventbus.ports import StoreTransaction

MAX_TAGS: Final = 50
_TagChange = Callable[[Mapping[str, str]], dict[str, str]]
_RESOURCE_ARN: Final = re.compile(
    r"^arn:aws:events:[a-z0-9-]+:\d{12}:(event-bus|rule)/([A-Za-z0-9._-]+)(?:/([A-Za-z0-9._-]+))?$"
)


def _resource(arn: str) -> tuple[str, str | None]:
    """(bus, rule or None) named by ``arn``."""
    found = _RESOURCE_ARN.match(arn)
    if found is None:
        raise ValidationException(f"Parameter ResourceARN is not valid: {arn}")
    kind, first, second = found.groups()
    if kind == "event-bus":
        if second is not None:
            raise ValidationException(f"Parameter ResourceARN is not valid: {arn}")
        return first, None
    return (DEFAULT_BUS, first) if second is None else (first, second)


def _check_tags(tags: Mapping[str, str]) -> None:
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            raise ValidationException(f"Tag key {key!r} is not valid.")
        if len(value) > 256:
            raise ValidationException(f"Tag value for key {key!r} is longer than 256 characters.")


class ResourceTags(BusContext):
    """The tag operations on buses and rules."""

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        _check_tags(tags)
        self._change(arn, lambda current: {**current, **tags})

    def untag_resource(self, arn: str, keys: Iterable[str]) -> None:
        dropped = set(keys)
        self._change(arn, lambda current: {k: v for k, v in current.items() if k not in dropped})

    def list_tags_for_resource(self, arn: str) -> dict[str, str]:
        bus, rule = _resource(arn)
        with self.store.reader() as tx:
            return dict(self._tags(tx, bus, rule, reading=True))

    def _tags(
        self, tx: StoreTransaction, bus: str, rule: str | None, *, reading: bool
    ) -> Mapping[str, str]:
        bus_record = self.existing_bus(tx, bus, reading=reading)
        if rule is None:
            return bus_record.tags
        return self.existing_rule(tx, bus, rule).tags

    def _change(self, arn: str, change: _TagChange) -> None:
        bus, rule = _resource(arn)
        with self.store.transaction() as tx:
            tags = change(self._tags(tx, bus, rule, reading=False))
            if len(tags) > MAX_TAGS:
                raise ValidationException(
                    f"The resource {arn} would have more than {MAX_TAGS} tags."
                )
            if rule is None:
                tx.save_bus(replace(self.existing_bus(tx, bus), tags=tags))
            else:
                tx.save_rule(replace(self.existing_rule(tx, bus, rule), tags=tags))
