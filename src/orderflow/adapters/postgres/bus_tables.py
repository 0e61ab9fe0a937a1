"""The EventBridge tables (buses, rules, targets, archives, replays, invocations) in
PostgreSQL.

What a write transaction locks (and why), beyond the rows its own writes lock:

- ``bump_topology`` is ``UPDATE meta SET value = value + 1``: its row lock, held to commit,
  makes bumps take turns, and each adds one to the newest committed value (none is lost).
- ``get_bus``, ``get_rule``, ``get_archive`` (read only by the operations that change
  buses, rules, targets, archives and tags; routing reads its cached tables) first lock
  that same row, ``FOR UPDATE``: such changes then run one at a time across hosts, and
  every check they make (a bus that exists already, a rule's five targets, a rule
  deleted only without targets) reads what the previous one committed, a row that does
  not exist yet included. PutEvents only reads the version, and never waits for it.
- ``get_replay``: ``FOR UPDATE``, so one replay's steps and its cancellation take turns.
- ``due_invocations``: ``FOR UPDATE SKIP LOCKED``, so dispatchers on many hosts lease
  disjoint invocations.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from orderflow.adapters.postgres.connection import Connection
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


class PostgresBusTables:
    """The EventBridge tables, inside one transaction on the connection ``_db``."""

    _db: Connection
    writes: bool
    _topology_locked: bool

    def _record(self, sql: str, parameters: tuple[str, ...]) -> str | None:
        row = self._db.execute(sql, parameters).fetchone()
        return None if row is None else str(row[0])

    def _lock_topology(self) -> None:
        """Take turns with every other topology change (once per write transaction)."""
        if self.writes and not self._topology_locked:
            self._db.execute("SELECT value FROM meta WHERE key = 'topology_version' FOR UPDATE")
            self._topology_locked = True

    def topology_version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'topology_version'")
        return int(row.fetchone()[0])  # type: ignore[index]

    def bump_topology(self) -> None:
        self._db.execute("UPDATE meta SET value = value + 1 WHERE key = 'topology_version'")
        self._topology_locked = True

    # -- buses, rules, targets ------------------------------------------------------

    def get_bus(self, name: str) -> BusRecord | None:
        self._lock_topology()
        found = self._record("SELECT record FROM buses WHERE name = %s", (name,))
        return None if found is None else load(BusRecord, found)

    def list_buses(self) -> list[BusRecord]:
        rows = self._db.execute("SELECT record FROM buses ORDER BY name").fetchall()
        return [load(BusRecord, row[0]) for row in rows]

    def save_bus(self, bus: BusRecord) -> None:
        self._db.execute(
            "INSERT INTO buses (name, record) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET record = excluded.record",
            (bus.name, dump(bus)),
        )

    def delete_bus(self, name: str) -> None:
        self._db.execute("DELETE FROM targets WHERE bus = %s", (name,))
        self._db.execute("DELETE FROM rules WHERE bus = %s", (name,))
        self._db.execute("DELETE FROM buses WHERE name = %s", (name,))

    def get_rule(self, bus: str, name: str) -> RuleRecord | None:
        self._lock_topology()
        found = self._record("SELECT record FROM rules WHERE bus = %s AND name = %s", (bus, name))
        return None if found is None else load(RuleRecord, found)

    def list_rules(self, bus: str) -> list[RuleRecord]:
        rows = self._db.execute(
            "SELECT record FROM rules WHERE bus = %s ORDER BY name", (bus,)
        ).fetchall()
        return [load(RuleRecord, row[0]) for row in rows]

    def save_rule(self, rule: RuleRecord) -> None:
        self._db.execute(
            "INSERT INTO rules (bus, name, record) VALUES (%s, %s, %s) "
            "ON CONFLICT (bus, name) DO UPDATE SET record = excluded.record",
            (rule.bus, rule.name, dump(rule)),
        )

    def delete_rule(self, bus: str, name: str) -> None:
        self._db.execute("DELETE FROM targets WHERE bus = %s AND rule = %s", (bus, name))
        self._db.execute("DELETE FROM rules WHERE bus = %s AND name = %s", (bus, name))

    def list_targets(self, bus: str, rule: str) -> list[TargetRecord]:
        rows = self._db.execute(
            "SELECT record FROM targets WHERE bus = %s AND rule = %s ORDER BY target_id",
            (bus, rule),
        ).fetchall()
        return [load_target(row[0]) for row in rows]

    def all_targets(self) -> list[TargetRecord]:
        rows = self._db.execute("SELECT record FROM targets ORDER BY bus, rule, target_id")
        return [load_target(row[0]) for row in rows.fetchall()]

    def save_target(self, target: TargetRecord) -> None:
        self._db.execute(
            "INSERT INTO targets (bus, rule, target_id, record) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (bus, rule, target_id) DO UPDATE SET record = excluded.record",
            (target.bus, target.rule, target.target_id, dump(target)),
        )

    def delete_target(self, bus: str, rule: str, target_id: str) -> None:
        self._db.execute(
            "DELETE FROM targets WHERE bus = %s AND rule = %s AND target_id = %s",
            (bus, rule, target_id),
        )

    # -- archives and replays ---------------------------------------------------------

    def get_archive(self, name: str) -> ArchiveRecord | None:
        self._lock_topology()
        found = self._record("SELECT record FROM archives WHERE name = %s", (name,))
        return None if found is None else load(ArchiveRecord, found)

    def list_archives(self) -> list[ArchiveRecord]:
        rows = self._db.execute("SELECT record FROM archives ORDER BY name").fetchall()
        return [load(ArchiveRecord, row[0]) for row in rows]

    def save_archive(self, archive: ArchiveRecord) -> None:
        self._db.execute(
            "INSERT INTO archives (name, record) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET record = excluded.record",
            (archive.name, dump(archive)),
        )

    def delete_archive(self, name: str) -> None:
        self._db.execute("DELETE FROM archived_events WHERE archive = %s", (name,))
        self._db.execute("DELETE FROM archives WHERE name = %s", (name,))

    def archive_events(self, events: Sequence[ArchivedEvent]) -> None:
        if not events:
            return
        self._db.execute(
            "INSERT INTO archived_events (archive, event_id, time_ms, archived_ms, event) "
            "SELECT archive, event_id, time_ms, archived_ms, event FROM unnest(%s::text[], "
            "%s::text[], %s::bigint[], %s::bigint[], %s::text[]) WITH ORDINALITY "
            "AS e(archive, event_id, time_ms, archived_ms, event, n) ORDER BY n",
            (
                [e.archive for e in events],
                [e.event_id for e in events],
                [e.time_ms for e in events],
                [e.archived_ms for e in events],
                [e.event for e in events],
            ),
        )

    def archived_events(
        self, archive: str, start_ms: int, end_ms: int, after_seq: int, limit: int
    ) -> list[ArchivedEvent]:
        rows = self._db.execute(
            "SELECT archive, seq, event_id, time_ms, event, archived_ms FROM archived_events "
            "WHERE archive = %s AND time_ms >= %s AND time_ms < %s AND seq > %s "
            "ORDER BY seq LIMIT %s",
            (archive, start_ms, end_ms, after_seq, limit),
        ).fetchall()
        return [ArchivedEvent(*row) for row in rows]

    def archive_stats(self, archive: str) -> tuple[int, int]:
        row = self._db.execute(
            "SELECT count(*), coalesce(sum(octet_length(event)), 0) FROM archived_events "
            "WHERE archive = %s",
            (archive,),
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def expire_archive(self, archive: str, archived_before_ms: int) -> int:
        return self._db.execute(
            "DELETE FROM archived_events WHERE archive = %s AND archived_ms < %s",
            (archive, archived_before_ms),
        ).rowcount

    def get_replay(self, name: str) -> ReplayRecord | None:
        lock = " FOR UPDATE" if self.writes else ""
        found = self._record(f"SELECT record FROM replays WHERE name = %s{lock}", (name,))
        if found is None:
            return None
        return ReplayRecord(**load_tuple_fields(json.loads(found), "filter_rules"))

    def list_replays(self) -> list[ReplayRecord]:
        rows = self._db.execute("SELECT record FROM replays ORDER BY name").fetchall()
        return [ReplayRecord(**load_tuple_fields(json.loads(r[0]), "filter_rules")) for r in rows]

    def save_replay(self, replay: ReplayRecord) -> None:
        self._db.execute(
            "INSERT INTO replays (name, record) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET record = excluded.record",
            (replay.name, dump(replay)),
        )

    # -- function invocations -----------------------------------------------------------

    def add_invocations(self, invocations: Sequence[NewInvocation]) -> None:
        if not invocations:
            return
        self._db.execute(
            "INSERT INTO invocations (function, due_ms, attempts, record) "
            "SELECT function, due_ms, attempts, record FROM unnest(%s::text[], %s::bigint[], "
            "%s::integer[], %s::text[]) WITH ORDINALITY AS i(function, due_ms, attempts, "
            "record, n) ORDER BY n",
            (
                [i.function for i in invocations],
                [i.due_ms for i in invocations],
                [i.attempts for i in invocations],
                [dump(i) for i in invocations],
            ),
        )

    def due_invocations(
        self, functions: Sequence[str], now_ms: int, limit: int
    ) -> list[Invocation]:
        if not functions:
            return []
        lock = " FOR UPDATE SKIP LOCKED" if self.writes else ""
        rows = self._db.execute(
            "SELECT seq, due_ms, attempts, record FROM invocations "
            "WHERE function = ANY(%s::text[]) AND due_ms <= %s "
            f"ORDER BY due_ms, seq LIMIT %s{lock}",
            (list(functions), now_ms, limit),
        ).fetchall()
        found = []
        for seq, due_ms, attempts, record in rows:
            values = json.loads(record)
            values.update(seq=seq, due_ms=due_ms, attempts=attempts)
            found.append(Invocation(**values))
        return found

    def reschedule_invocation(self, seq: int, due_ms: int, attempts: int) -> None:
        self._db.execute(
            "UPDATE invocations SET due_ms = %s, attempts = %s WHERE seq = %s",
            (due_ms, attempts, seq),
        )

    def delete_invocation(self, seq: int) -> None:
        self._db.execute("DELETE FROM invocations WHERE seq = %s", (seq,))
