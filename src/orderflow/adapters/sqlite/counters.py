"""The counters (``eventbus.ports.Counters``) in SQLite: one row per counter, added to by
an upsert in the transaction of the work counted (SQLite has one writer at a time, so a
row per process would buy nothing)."""

from __future__ import annotations

import sqlite3

from orderflow.eventbus.model.counters import CounterKey, Increments


class SqliteCounters:
    """The counters, inside one transaction on the connection ``_db``."""

    _db: sqlite3.Connection

    def add_to_counters(self, increments: Increments) -> None:
        if not increments:
            return
        self._db.executemany(
            "INSERT INTO metric_counters (name, labels, value) VALUES (?, ?, ?) "
            "ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
            [(key.name, key.label_text, value) for key, value in sorted(increments.items())],
        )

    def counters(self) -> dict[CounterKey, float]:
        rows = self._db.execute("SELECT name, labels, value FROM metric_counters").fetchall()
        return {CounterKey.stored(name, labels): float(value) for name, labels, value in rows}
