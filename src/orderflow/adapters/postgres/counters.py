"""The counters (``eventbus.ports.Counters``) in PostgreSQL.

Writers run side by side here: one row per counter would make every transaction that
counts (each PutEvents, each consumer's batch) wait for the last one's commit. Each
connection adds to a slot of its own instead (its backend's pid modulo 64), in sorted
order of counter; a reading sums the slots."""

from __future__ import annotations

from typing import Any

import psycopg

from orderflow.eventbus.model.counters import CounterKey, Increments


class PostgresCounters:
    """The counters, inside one transaction on the connection ``_db``."""

    _db: psycopg.Connection[tuple[Any, ...]]

    def add_to_counters(self, increments: Increments) -> None:
        if not increments:
            return
        with self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO metric_counters AS c (name, labels, slot, value) "
                "VALUES (%s, %s, pg_backend_pid() %% 64, %s) "
                "ON CONFLICT (name, labels, slot) DO UPDATE SET value = c.value + excluded.value",
                [(key.name, key.label_text, value) for key, value in sorted(increments.items())],
            )

    def counters(self) -> dict[CounterKey, float]:
        rows = self._db.execute(
            "SELECT name, labels, sum(value) FROM metric_counters GROUP BY name, labels"
        ).fetchall()
        return {CounterKey.stored(name, labels): float(value) for name, labels, value in rows}
