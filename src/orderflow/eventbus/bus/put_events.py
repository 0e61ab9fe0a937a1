"""PutEvents: validate entries as EventBridge does, then route the accepted ones.

The accepted events, their archive copies and every delivery they cause commit
in one transaction before PutEvents returns: an event that got an EventId is on
disk and fully routed; a crash before the commit leaves no trace of any of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

from orderflow.eventbus.bus.admin import BusContext
from orderflow.eventbus.bus.routing import AcceptedEvent, Router
from orderflow.eventbus.bus.topology import Topology
from orderflow.eventbus.clock import to_iso
from orderflow.eventbus.errors import ValidationException
from orderflow.eventbus.model.bus import DEFAULT_BUS
from orderflow.eventbus.model.counters import PUT_EVENTS_ENTRIES, CounterKey
from orderflow.eventbus.ports import StoreTransaction

MAX_ENTRIES: Final = 10
MAX_REQUEST_BYTES: Final = 262_144
TIME_ENTRY_BYTES: Final = 14


@dataclass(frozen=True)
class EntryResult:
    """One entry's outcome: an event id, or an error code and message."""

    event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    def as_aws(self) -> dict[str, str]:
        if self.event_id is not None:
            return {"EventId": self.event_id}
        return {"ErrorCode": str(self.error_code), "ErrorMessage": str(self.error_message)}


@dataclass(frozen=True)
class PutEventsResult:
    entries: list[EntryResult]

    @property
    def failed_entry_count(self) -> int:
        return sum(1 for entry in self.entries if entry.event_id is None)

    def as_aws(self) -> dict[str, Any]:
        return {
            "FailedEntryCount": self.failed_entry_count,
            "Entries": [entry.as_aws() for entry in self.entries],
        }


class _EntryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def entry_size(entry: Mapping[str, Any]) -> int:
    """An entry's size as EventBridge counts it against the 256 KB limit."""
    size = TIME_ENTRY_BYTES if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        if isinstance(value, str):
            size += _utf8_length(value)
    for resource in entry.get("Resources") or ():
        if isinstance(resource, str):
            size += _utf8_length(resource)
    return size


def _utf8_length(text: str) -> int:
    """The length of ``text`` in UTF-8 (an ASCII string's length, without encoding it)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _is_text(value: str) -> bool:
    """Whether ``value`` is valid Unicode text (no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _time_ms(value: Any, now_ms: int) -> int:
    """An entry's Time in ms; only a time an event's ``time`` field can show (years 1 to
    9999: a number of seconds far out, infinite or NaN fails the entry, not the batch)."""
    if value is None:
        return now_ms
    try:
        ms = _given_ms(value)
        to_iso(ms)
    except (OverflowError, ValueError, OSError):
        raise _EntryError("InvalidArgument", "Parameter Time is not valid.") from None
    return ms


def _given_ms(value: Any) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a time without a zone")
        return int(value.timestamp() * 1000)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value * 1000)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError("a time without a zone")
        return int(parsed.timestamp() * 1000)
    raise ValueError("not a time")


def _refuse_missing(source: object, detail_type: object, detail_text: object) -> None:
    """The error for the first of Source, DetailType, Detail that is missing or empty."""
    for name, value in (("Source", source), ("DetailType", detail_type), ("Detail", detail_text)):
        if not isinstance(value, str) or not value:
            raise _EntryError(
                "InvalidArgument",
                f"Parameter {name} is not valid. Reason: {name} is a required argument.",
            )


def _wide_json(text: str) -> Any:
    """The stdlib parser, for valid JSON orjson refuses (integers beyond 64 bits); None if
    the text is not JSON."""
    try:
        return json.loads(text, parse_constant=_refuse)
    except (ValueError, RecursionError):
        return None


def _refuse(name: str) -> Any:
    raise ValueError(name)


class PutEvents(BusContext):
    """The PutEvents operation."""

    topology: Topology

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> PutEventsResult:
        """PutEvents: per-entry results in request order; valid entries are routed."""
        with self.store.transaction() as tx:
            return self.put_events_in(tx, entries)

    def put_events_in(
        self, tx: StoreTransaction, entries: Sequence[Mapping[str, Any]]
    ) -> PutEventsResult:
        """PutEvents inside the caller's write transaction: the events and their deliveries
        commit (or roll back) with whatever else the caller wrote in it, as a transactional
        outbox needs."""
        if not entries:
            raise ValidationException(
                "1 validation error detected: Value '[]' at 'entries' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1"
            )
        if len(entries) > MAX_ENTRIES:
            raise ValidationException(
                f"1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_ENTRIES}"
            )
        if sum(entry_size(entry) for entry in entries) > MAX_REQUEST_BYTES:
            raise ValidationException("Total size of the entries in the request is over the limit.")
        now = self.clock.now_ms()
        results: list[EntryResult] = []
        accepted: list[tuple[str, AcceptedEvent]] = []
        now_iso = to_iso(now)
        routing = self.topology.current(tx)
        for entry in entries:
            try:
                bus, event = self._accept(entry, now, now_iso, routing.buses)
            except _EntryError as error:
                results.append(EntryResult(None, error.code, error.message))
                continue
            accepted.append((bus, event))
            results.append(EntryResult(event.event_id))
        failed = len(results) - len(accepted)
        tx.add_to_counters(
            {
                CounterKey.of(PUT_EVENTS_ENTRIES, outcome=outcome): float(n)
                for outcome, n in (("accepted", len(accepted)), ("failed", failed))
                if n
            }
        )
        if accepted:
            router = Router(tx, routing, now, self.new_id)
            for bus, event in accepted:
                router.route(bus, event)
            router.write()
        return PutEventsResult(results)

    def _accept(
        self, entry: Mapping[str, Any], now_ms: int, now_iso: str, buses: Mapping[str, object]
    ) -> tuple[str, AcceptedEvent]:
        source = entry.get("Source")
        detail_type = entry.get("DetailType")
        detail_text = entry.get("Detail")
        if not (
            isinstance(source, str)
            and source
            and isinstance(detail_type, str)
            and detail_type
            and isinstance(detail_text, str)
            and detail_text
        ):
            _refuse_missing(source, detail_type, detail_text)
        assert isinstance(source, str) and isinstance(detail_type, str)
        assert isinstance(detail_text, str)
        if not (source.isascii() and detail_type.isascii()):
            for name, value in (("Source", source), ("DetailType", detail_type)):
                if not _is_text(value):
                    raise _EntryError(
                        "InvalidArgument",
                        f"Parameter {name} is not valid. Reason: {name} is not valid Unicode text.",
                    )
        if source.startswith("aws."):
            raise _EntryError("NotAuthorizedForSourceException", "Not authorized for the source.")
        try:
            detail = orjson.loads(detail_text)
        except orjson.JSONDecodeError:
            detail = _wide_json(detail_text)
        if not isinstance(detail, dict):
            raise _EntryError("MalformedDetail", "Detail is malformed.")
        resources = entry.get("Resources") or []
        if not isinstance(resources, list) or not all(
            isinstance(r, str) and _is_text(r) for r in resources
        ):
            raise _EntryError("InvalidArgument", "Parameter Resources is not valid.")
        bus = self.bus_name(entry.get("EventBusName"))
        if bus not in buses and bus != DEFAULT_BUS:
            raise _EntryError("ResourceNotFoundException", f"Event bus {bus} does not exist.")
        when = entry.get("Time")
        time_ms = now_ms if when is None else _time_ms(when, now_ms)
        event_id = self.new_id()
        document: dict[str, Any] = {
            "version": "0",
            "id": event_id,
            "detail-type": detail_type,
            "source": source,
            "account": self.scope.account,
            "time": now_iso if time_ms == now_ms else to_iso(time_ms),
            "region": self.scope.region,
            "resources": resources,
            "detail": detail,
        }
        try:
            text = orjson.dumps(document).decode()
        except TypeError:  # lone surrogates in the detail's strings: not valid Unicode
            raise _EntryError("MalformedDetail", "Detail is malformed.") from None
        return bus, AcceptedEvent(event_id, document, text, time_ms)
