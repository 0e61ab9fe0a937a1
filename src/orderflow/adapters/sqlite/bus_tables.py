"""The EventBridge tables (buses, rules, targets, archives, replays, invocations) in SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from orderflow.adapters.sqlite.records import dump, load, load_target, load_tuple_fields
from orderflow.eventbus.model.bus import (
    ArchivedEvent,
    ArchiveRecord,
    BusRecord,
    Invocation,
    NewInvocation,
    ReplayRecord,
    RuleRecord,
    TargetRecord,
)


class SqliteBusTables:
    """The EventBridge tables, inside one transaction on the connection ``_db``."""

    _db: sqlite3.Connection

    def topology_version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'topology_version'").fetchone()
        return int(row[0])

    def bump_topology(self) -> None:
        self._db.execute("UPDATE meta SET value = value + 1 WHERE key = 'topology_version'")

    # -- buses, rules, targets ------------------------------------------------------

    def get_bus(self, name: str) -> BusRecord | None:
        row = self._db.execute("SELECT record FROM buses WHERE name = ?", (name,)).fetchone()
        return None if row is None else load(BusRecord, row[0])

    def list_buses(self) -> list[BusRecord]:
        rows = self._db.execute("SELECT record FROM buses ORDER BY name").fetchall()
        return [load(BusRecord, row[0]) for row in rows]

    def save_bus(self, bus: BusRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO buses (name, record) VALUES (?, ?)", (bus.name, dump(bus))
        )

    def delete_bus(self, name: str) -> None:
        self._db.execute("DELETE FROM targets WHERE bus = ?", (name,))
        self._db.execute("DELETE FROM rules WHERE bus = ?", (name,))
        self._db.execute("DELETE FROM buses WHERE name = ?", (name,))

    def get_rule(self, bus: str, name: str) -> RuleRecord | None:
        row = self._db.execute(
            "SELECT record FROM rules WHERE bus = ? AND name = ?", (bus, name)
        ).fetchone()
        return None if row is None else load(RuleRecord, row[0])

    def list_rules(self, bus: str) -> list[RuleRecord]:
        rows = self._db.execute(
            "SELECT record FROM rules WHERE bus = ? ORDER BY name", (bus,)
        ).fetchall()
        return [load(RuleRecord, row[0]) for row in rows]

    def save_rule(self, rule: RuleRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO rules (bus, name, record) VALUES (?, ?, ?)",
            (rule.bus, rule.name, dump(rule)),
        )

    def delete_rule(self, bus: str, name: str) -> None:
        self._db.execute("DELETE FROM targets WHERE bus = ? AND rule = ?", (bus, name))
        self._db.execute("DELETE FROM rules WHERE bus = ? AND name = ?", (bus, name))

    def list_targets(self, bus: str, rule: str) -> list[TargetRecord]:
        rows = self._db.execute(
            "SELECT record FROM targets WHERE bus = ? AND rule = ? ORDER BY target_id",
            (bus, rule),
        ).fetchall()
        return [load_target(row[0]) for row in rows]

    def all_targets(self) -> list[TargetRecord]:
        rows = self._db.execute("SELECT record FROM targets ORDER BY bus, rule, target_id")
        return [load_target(row[0]) for row in rows.fetchall()]

    def save_target(self, target: TargetRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO targets (bus, rule, target_id, record) VALUES (?, ?, ?, ?)",
            (target.bus, target.rule, target.target_id, dump(target)),
        )

    def delete_target(self, bus: str, rule: str, target_id: str) -> None:
        self._db.execute(
            "DELETE FROM targets WHERE bus = ? AND rule = ? AND target_id = ?",
            (bus, rule, target_id),
        )

    # -- archives and replays ---------------------------------------------------------

    def get_archive(self, name: str) -> ArchiveRecord | None:
        row = self._db.execute("SELECT record FROM archives WHERE name = ?", (name,)).fetchone()
        return None if row is None else load(ArchiveRecord, row[0])

    def list_archives(self) -> list[ArchiveRecord]:
        rows = self._db.execute("SELECT record FROM archives ORDER BY name").fetchall()
        return [load(ArchiveRecord, row[0]) for row in rows]

    def save_archive(self, archive: ArchiveRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO archives (name, record) VALUES (?, ?)",
            (archive.name, dump(archive)),
        )

    def delete_archive(self, name: str) -> None:
        self._db.execute("DELETE FROM archived_events WHERE archive = ?", (name,))
        self._db.execute("DELETE FROM archives WHERE name = ?", (name,))

    def archive_events(self, events: Sequence[ArchivedEvent]) -> None:
        self._db.executemany(
            "INSERT INTO archived_events (archive, event_id, time_ms, archived_ms, event) "
            "VALUES (?, ?, ?, ?, ?)",
            [(e.archive, e.event_id, e.time_ms, e.archived_ms, e.event) for e in events],
        )

    def archived_events(
        self, archive: str, start_ms: int, end_ms: int, after_seq: int, limit: int
    ) -> list[ArchivedEvent]:
        rows = self._db.execute(
            "SELECT archive, seq, event_id, time_ms, event, archived_ms FROM archived_events "
            "WHERE archive = ? AND time_ms >= ? AND time_ms < ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (archive, start_ms, end_ms, after_seq, limit),
        ).fetchall()
        return [ArchivedEvent(*row) for row in rows]

    def archive_stats(self, archive: str) -> tuple[int, int]:
        row = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(event AS BLOB))), 0) "
            "FROM archived_events WHERE archive = ?",
            (archive,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def expire_archive(self, archive: str, archived_before_ms: int) -> int:
        return self._db.execute(
            "DELETE FROM archived_events WHERE archive = ? AND archived_ms < ?",
            (archive, archived_before_ms),
        ).rowcount

    def get_replay(self, name: str) -> ReplayRecord | None:
        row = self._db.execute("SELECT record FROM replays WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        return ReplayRecord(**load_tuple_fields(json.loads(row[0]), "filter_rules"))

    def list_replays(self) -> list[ReplayRecord]:
        rows = self._db.execute("SELECT record FROM replays ORDER BY name").fetchall()
        return [ReplayRecord(**load_tuple_fields(json.loads(r[0]), "filter_rules")) for r in rows]

    def save_replay(self, replay: ReplayRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO replays (name, record) VALUES (?, ?)",
            (replay.name, dump(replay)),
        )

    # -- function invocations -----------------------------------------------------------

    def add_invocations(self, invocations: Sequence[NewInvocation]) -> None:
        self._db.executemany(
            "INSERT INTO invocations (function, due_ms, attempts, record) VALUES (?, ?, ?, ?)",
            [(i.function, i.due_ms, i.attempts, dump(i)) for i in invocations],
        )

    def due_invocations(
        self, functions: Sequence[str], now_ms: int, limit: int
    ) -> list[Invocation]:
        if not functions:
            return []
        marks = ",".join("?" * len(functions))
        rows = self._db.execute(
            f"SELECT seq, due_ms, attempts, record FROM invocations "
            f"WHERE function IN ({marks}) AND due_ms <= ? ORDER BY due_ms, seq LIMIT ?",
            (*functions, now_ms, limit),
        ).fetchall()
        found = []
        for seq, due_ms, attempts, record in rows:
            values = json.loads(record)
            values.update(seq=seq, due_ms=due_ms, attempts=attempts)
            found.append(Invocation(**values))
        return found

    def reschedule_invocation(self, seq: int, due_ms: int, attempts: int) -> None:
        self._db.execute(
            "UPDATE invocations SET due_ms = ?, attempts = ? WHERE seq = ?",
            (due_ms, attempts, seq),
        )

    def delete_invocation(self, seq: int) -> None:
        self._db.execute("DELETE FROM invocations WHERE seq = ?", (seq,))
