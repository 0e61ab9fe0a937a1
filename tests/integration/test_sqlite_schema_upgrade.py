"""A SQLite file written by the previous schema (version 1) is upgraded when opened, and
keeps its queues and messages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from orderflow.adapters.sqlite import SqliteStore
from orderflow.adapters.sqlite.schema import SCHEMA_VERSION
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.queues import Queues

VERSION_1 = (  # the tables a version-1 file has that version 2 changed or uses
    "CREATE TABLE queues (name TEXT PRIMARY KEY, attributes TEXT NOT NULL, tags TEXT NOT NULL, "
    "created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, last_purge_ms INTEGER) "
    "WITHOUT ROWID",
    "CREATE TABLE messages (seq INTEGER PRIMARY KEY, queue TEXT NOT NULL, message_id TEXT NOT "
    "NULL, body TEXT NOT NULL, attributes TEXT NOT NULL, sent_ms INTEGER NOT NULL, "
    "visible_at_ms INTEGER NOT NULL, receive_count INTEGER NOT NULL, first_receive_ms INTEGER, "
    "receipt_handle TEXT, group_id TEXT, dedup_id TEXT, dead_letter_source TEXT)",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO meta (key, value) VALUES ('topology_version', 0)",
    'INSERT INTO queues VALUES (\'orders\', \'{"DelaySeconds": "0", "MaximumMessageSize": '
    '"262144", "MessageRetentionPeriod": "345600", "ReceiveMessageWaitTimeSeconds": '
    '"0", "VisibilityTimeout": "30"}\', \'{}\', 1767225600000, 1767225600000, NULL)',
    "INSERT INTO messages (queue, message_id, body, attributes, sent_ms, visible_at_ms, "
    "receive_count) VALUES ('orders', 'm-1', 'kept', '', 1767225600000, 1767225600000, 0)",
    "PRAGMA user_version = 1",
)


def test_a_version_1_file_is_upgraded_and_keeps_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "orderflow.db"
    with sqlite3.connect(path) as connection:
        for statement in VERSION_1:
            connection.execute(statement)
    store = SqliteStore(path)
    try:
        queues = Queues(store, ManualClock())
        depth = ["ApproximateNumberOfMessages"]  # counted by the version-3 upgrade
        assert queues.get_queue_attributes("orders", depth) == {depth[0]: "1"}
        system = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}}
        queues.send_message("orders", "new", message_system_attributes=system)
        received = queues.receive_message(
            "orders", max_messages=10, attribute_names=["AWSTraceHeader"]
        )
        assert [(m.body, m.attributes) for m in received] == [
            ("kept", {}),
            ("new", {"AWSTraceHeader": "Root=1-abc"}),
        ]
        queues.create_queue(
            "orders.fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        )
        queues.send_message("orders.fifo", "once", message_group_id="g")
        queues.send_message("orders.fifo", "once", message_group_id="g")
        assert [m.body for m in queues.receive_message("orders.fifo", max_messages=10)] == ["once"]
    finally:
        store.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
