"""Archives and replays.

An archive keeps the events put on its bus (those matching its optional pattern)
for its retention period. A replay sends the archived events of a time window
back onto that bus, optionally only to chosen rules (``FilterArns``); replayed
events carry ``replay-name`` and are not archived again. The embedded engine runs a
replay to completion in steps of ``STEP`` events, each one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from orderflow.eventbus.bus import validation as check
from orderflow.eventbus.bus.admin import BusContext
from orderflow.eventbus.bus.routing import AcceptedEvent, Router
from orderflow.eventbus.bus.topology import Topology
from orderflow.eventbus.errors import (
    InvalidStateException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from orderflow.eventbus.model.bus import ArchiveRecord, ReplayRecord
from orderflow.eventbus.patterns.compiler import compile_pattern

STEP: Final = 200
DAY_MS: Final = 86_400_000


def _arn_tail(arn: str, kind: str) -> str | None:
    marker = f":{kind}/"
    return arn.split(marker, 1)[1] if marker in arn else None


def _ms(value: datetime | int | float) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return int(value * 1000)


class Archives(BusContext):
    """CreateArchive ... CancelReplay."""

    topology: Topology

    def create_archive(
        self,
        name: str,
        event_source_arn: str,
        *,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int = 0,
    ) -> dict[str, Any]:
        check.check_name(name, "archiveName", check.ARCHIVE_NAME, 48)
        check.check_arn(event_source_arn, "eventSourceArn", check.BUS_ARN)
        check.check_range(retention_days, "retentionDays", 0, 2_147_483_647)
        if event_pattern:
            compile_pattern(event_pattern)
        bus = self.bus_name(event_source_arn)
        with self.store.transaction() as tx:
            self.existing_bus(tx, bus)
            if tx.get_archive(name) is not None:
                raise ResourceAlreadyExistsException(f"Archive {name} already exists.")
            record = ArchiveRecord(
                name=name,
                bus=bus,
                event_pattern=event_pattern or None,
                retention_days=retention_days,
                created_ms=self.clock.now_ms(),
                description=check.check_description(description),
            )
            tx.save_archive(record)
            tx.bump_topology()
        return {
            "ArchiveArn": self.scope.archive_arn(name),
            "State": record.state,
            "CreationTime": record.created_ms / 1000,
        }

    def describe_archive(self, name: str) -> dict[str, Any]:
        with self.store.transaction() as tx:
            record = self._archive(tx, name)
            self._expire(tx, record)
            count, size = tx.archive_stats(name)
        described = self._describe(record)
        described.update(EventCount=count, SizeBytes=size)
        return described

    def _describe(self, record: ArchiveRecord) -> dict[str, Any]:
        described: dict[str, Any] = {
            "ArchiveArn": self.scope.archive_arn(record.name),
            "ArchiveName": record.name,
            "EventSourceArn": self.scope.bus_arn(record.bus),
            "State": record.state,
            "RetentionDays": record.retention_days,
            "CreationTime": record.created_ms / 1000,
        }
        if record.event_pattern:
            described["EventPattern"] = record.event_pattern
        if record.description:
            described["Description"] = record.description
        return described

    def list_archives(
        self, name_prefix: str | None = None, event_source_arn: str | None = None
    ) -> list[dict[str, Any]]:
        bus = self.bus_name(event_source_arn) if event_source_arn else None
        with self.store.reader() as tx:
            records = tx.list_archives()
        return [
            self._describe(record)
            for record in records
            if (name_prefix is None or record.name.startswith(name_prefix))
            and (bus is None or record.bus == bus)
        ]

    def update_archive(
        self,
        name: str,
        *,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int | None = None,
    ) -> dict[str, Any]:
        if event_pattern:
            compile_pattern(event_pattern)
        check.check_range(retention_days, "retentionDays", 0, 2_147_483_647)
        with self.store.transaction() as tx:
            record = self._archive(tx, name)
            record = replace(
                record,
                description=(
                    record.description
                    if description is None
                    else check.check_description(description)
                ),
                event_pattern=record.event_pattern if event_pattern is None else event_pattern,
                retention_days=record.retention_days if retention_days is None else retention_days,
            )
            tx.save_archive(record)
            tx.bump_topology()
        return {"ArchiveArn": self.scope.archive_arn(name), "State": record.state}

    def delete_archive(self, name: str) -> None:
        with self.store.transaction() as tx:
            self._archive(tx, name)
            tx.delete_archive(name)
            tx.bump_topology()

    @staticmethod
    def _archive(tx: Any, name: str) -> ArchiveRecord:
        record: ArchiveRecord | None = tx.get_archive(name)
        if record is None:
            raise ResourceNotFoundException(f"Archive {name} does not exist.")
        return record

    def _expire(self, tx: Any, record: ArchiveRecord) -> None:
        if record.retention_days:
            tx.expire_archive(record.name, self.clock.now_ms() - record.retention_days * DAY_MS)

    # -- replays -----------------------------------------------------------------------

    def start_replay(
        self,
        name: str,
        event_source_arn: str,
        event_start_time: datetime | int | float,
        event_end_time: datetime | int | float,
        destination_arn: str,
        *,
        filter_arns: Sequence[str] = (),
        description: str | None = None,
        run: bool = True,
    ) -> dict[str, Any]:
        """StartReplay: replays the window now (``run``) and returns its state."""
        check.check_name(name, "replayName", check.ARCHIVE_NAME, 64)
        archive_name = _arn_tail(event_source_arn, "archive") or event_source_arn
        start_ms, end_ms = _ms(event_start_time), _ms(event_end_time)
        if start_ms >= end_ms:
            raise ValidationException(
                "Parameter EventEndTime is not valid. Reason: EventStartTime must be before "
                "EventEndTime."
            )
        with self.store.transaction() as tx:
            archive = self._archive(tx, archive_name)
            if self.bus_name(destination_arn) != archive.bus:
                raise ValidationException(
                    "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is "
                    "not permitted."
                )
            if tx.get_replay(name) is not None:
                raise ResourceAlreadyExistsException(f"Replay {name} already exists.")
            rules = tuple(_arn_tail(arn, "rule") or arn for arn in filter_arns)
            replay = ReplayRecord(
                name=name,
                archive=archive_name,
                bus=archive.bus,
                start_ms=start_ms,
                end_ms=end_ms,
                filter_rules=tuple(rule.rsplit("/", 1)[-1] for rule in rules),
                state="STARTING",
                started_ms=self.clock.now_ms(),
                description=check.check_description(description),
            )
            tx.save_replay(replay)
        if run:
            replay = self.run_replay(name)
        return {
            "ReplayArn": self.scope.replay_arn(name),
            "State": replay.state,
            "ReplayStartTime": replay.started_ms / 1000,
        }

    def run_replay(self, name: str) -> ReplayRecord:
        """Replay the window, a step per transaction, until done or cancelled."""
        after = 0
        while True:
            with self.store.transaction() as tx:
                replay = tx.get_replay(name)
                if replay is None or replay.state in ("CANCELLING", "CANCELLED", "COMPLETED"):
                    if replay is not None and replay.state == "CANCELLING":
                        replay = replace(replay, state="CANCELLED", ended_ms=self.clock.now_ms())
                        tx.save_replay(replay)
                    assert replay is not None
                    return replay
                batch = tx.archived_events(
                    replay.archive, replay.start_ms, replay.end_ms, after, STEP
                )
                now = self.clock.now_ms()
                router = Router(tx, self.topology.current(tx), now, self.new_id)
                only = set(replay.filter_rules) or None
                for archived in batch:
                    document = json.loads(archived.event)
                    document["replay-name"] = name
                    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
                    event = AcceptedEvent(archived.event_id, document, text, archived.time_ms)
                    router.route(replay.bus, event, only_rules=only, archive=False)
                router.write()
                done = len(batch) < STEP
                after = batch[-1].seq if batch else after
                replay = replace(
                    replay,
                    state="COMPLETED" if done else "RUNNING",
                    replayed=replay.replayed + len(batch),
                    last_replayed_ms=batch[-1].time_ms if batch else replay.last_replayed_ms,
                    ended_ms=now if done else None,
                )
                tx.save_replay(replay)
            if done:
                return replay

    def describe_replay(self, name: str) -> dict[str, Any]:
        with self.store.reader() as tx:
            replay = tx.get_replay(name)
        if replay is None:
            raise ResourceNotFoundException(f"Replay {name} does not exist.")
        return self._describe_replay(replay)

    def _describe_replay(self, replay: ReplayRecord) -> dict[str, Any]:
        described: dict[str, Any] = {
            "ReplayName": replay.name,
            "ReplayArn": self.scope.replay_arn(replay.name),
            "EventSourceArn": self.scope.archive_arn(replay.archive),
            "Destination": {
                "Arn": self.scope.bus_arn(replay.bus),
                **(
                    {
                        "FilterArns": [
                            self.scope.rule_arn(replay.bus, r) for r in replay.filter_rules
                        ]
                    }
                    if replay.filter_rules
                    else {}
                ),
            },
            "State": replay.state,
            "EventStartTime": replay.start_ms / 1000,
            "EventEndTime": replay.end_ms / 1000,
            "ReplayStartTime": replay.started_ms / 1000,
        }
        if replay.ended_ms is not None:
            described["ReplayEndTime"] = replay.ended_ms / 1000
        if replay.last_replayed_ms is not None:
            described["EventLastReplayedTime"] = replay.last_replayed_ms / 1000
        if replay.description:
            described["Description"] = replay.description
        return described

    def list_replays(self, name_prefix: str | None = None) -> list[dict[str, Any]]:
        with self.store.reader() as tx:
            replays = tx.list_replays()
        return [
            self._describe_replay(replay)
            for replay in replays
            if name_prefix is None or replay.name.startswith(name_prefix)
        ]

    def cancel_replay(self, name: str) -> dict[str, Any]:
        with self.store.transaction() as tx:
            replay = tx.get_replay(name)
            if replay is None:
                raise ResourceNotFoundException(f"Replay {name} does not exist.")
            if replay.state not in ("STARTING", "RUNNING"):
                raise InvalidStateException(
                    f"Replay {name} is not in a state that can be cancelled."
                )
            replay = replace(replay, state="CANCELLING")
            tx.save_replay(replay)
        return {"ReplayArn": self.scope.replay_arn(name), "State": replay.state}
