"""A services' state file written before the outbox's and the mail's leases existed is
brought up to date when opened, and keeps what it held."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from orderflow.adapters.sqlite import SqliteStore
from orderflow.adapters.sqlite.state import SqliteStateStore
from orderflow.services.ports import OutgoingEvent, OutgoingMail


def test_an_older_state_file_gets_the_lease_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = SqliteStore(path)
    with SqliteStateStore(store).transaction() as state:
        state.add_events([OutgoingEvent("e-1", "c-1", None, "orders", "OrderCreated", {}, "b", 1)])
        state.add_mail(OutgoingMail("<m1@t>", "o-1", "refund", "u@x.test", "s", "b", "c", "e", 1))
    store.close()
    with sqlite3.connect(path) as connection:  # as an orderflow before the leases wrote it
        for table in ("svc_outbox", "svc_mail_outbox"):
            connection.execute(f"ALTER TABLE {table} DROP COLUMN leased_until_ms")
    connection.close()
    store = SqliteStore(path)
    try:
        with SqliteStateStore(store).transaction() as state:
            assert [row.event.event_id for row in state.lease_pending(10, 5, 100)] == ["e-1"]
            assert [mail.message_id for mail in state.lease_mail(10, 5, 100)] == ["<m1@t>"]
            assert state.lease_mail(10, 6, 100) == []  # leased, in the column just added
    finally:
        store.close()
