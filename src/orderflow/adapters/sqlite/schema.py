"""The engine's tables. ``SCHEMA_VERSION`` is kept in ``PRAGMA user_version``.

Every statement is idempotent (``IF NOT EXISTS``): a file of an older version is brought
up to this one by running them all, after the changes ``UPGRADES`` lists for each version
it lacks (version 2: FIFO deduplication records, the message-group index, the messages'
``trace_header``; version 3: each queue's count of messages, kept by triggers, the
messages by age, and the counters of ``eventbus.model.counters``).

A queue's numbers (GetQueueAttributes, a metrics scrape) are read without going through
its messages: ``queue_sizes`` holds how many it has (the triggers add and take one with
each message stored or deleted, in the same transaction), the visibility index finds
the few not visible now (in flight or delayed), and ``messages_by_age`` the oldest.
"""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION: Final = 3

_QUEUE_SIZES: Final = (
    "CREATE TABLE IF NOT EXISTS queue_sizes (queue TEXT PRIMARY KEY, messages INTEGER NOT NULL) "
    "WITHOUT ROWID"
)

COUNTERS_TABLE: Final = (
    "CREATE TABLE IF NOT EXISTS metric_counters (name TEXT NOT NULL, labels TEXT NOT NULL, "
    "value REAL NOT NULL, PRIMARY KEY (name, labels)) WITHOUT ROWID"
)
"""The counters (one writer at a time: one row per counter; shared with the state file)."""

UPGRADES: Final[dict[int, tuple[str, ...]]] = {
    2: ("ALTER TABLE messages ADD COLUMN trace_header TEXT",),
    3: (
        _QUEUE_SIZES,
        "INSERT OR REPLACE INTO queue_sizes (queue, messages) "
        "SELECT queue, COUNT(*) FROM messages GROUP BY queue",
    ),
}
"""What a file of the version before each needs beyond ``SCHEMA`` (which only adds)."""

SCHEMA: Final = (
    """
    CREATE TABLE IF NOT EXISTS queues (
        name TEXT PRIMARY KEY,
        attributes TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        modified_ms INTEGER NOT NULL,
        last_purge_ms INTEGER
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY,
        queue TEXT NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        attributes TEXT NOT NULL,
        sent_ms INTEGER NOT NULL,
        visible_at_ms INTEGER NOT NULL,
        receive_count INTEGER NOT NULL,
        first_receive_ms INTEGER,
        receipt_handle TEXT,
        group_id TEXT,
        dedup_id TEXT,
        dead_letter_source TEXT,
        trace_header TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS messages_by_visibility ON messages (queue, visible_at_ms, seq)",
    "CREATE INDEX IF NOT EXISTS messages_by_group ON messages (queue, group_id, seq)",
    "CREATE INDEX IF NOT EXISTS messages_by_age ON messages (queue, sent_ms)",
    _QUEUE_SIZES,
    """
    CREATE TRIGGER IF NOT EXISTS queue_sizes_add AFTER INSERT ON messages BEGIN
        INSERT INTO queue_sizes (queue, messages) VALUES (NEW.queue, 1)
        ON CONFLICT (queue) DO UPDATE SET messages = messages + 1;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS queue_sizes_take AFTER DELETE ON messages BEGIN
        UPDATE queue_sizes SET messages = messages - 1 WHERE queue = OLD.queue;
    END
    """,
    COUNTERS_TABLE,
    """
    CREATE TABLE IF NOT EXISTS deduplications (
        queue TEXT NOT NULL,
        key TEXT NOT NULL,
        message_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        PRIMARY KEY (queue, key)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS move_tasks (
        handle TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        task TEXT NOT NULL
    )
    """,
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('topology_version', 0)",
    "CREATE TABLE IF NOT EXISTS buses (name TEXT PRIMARY KEY, record TEXT NOT NULL)",
    """
    CREATE TABLE IF NOT EXISTS rules (
        bus TEXT NOT NULL, name TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (bus, name)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS targets (
        bus TEXT NOT NULL, rule TEXT NOT NULL, target_id TEXT NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (bus, rule, target_id)
    )
    """,
    "CREATE TABLE IF NOT EXISTS archives (name TEXT PRIMARY KEY, record TEXT NOT NULL)",
    """
    CREATE TABLE IF NOT EXISTS archived_events (
        seq INTEGER PRIMARY KEY,
        archive TEXT NOT NULL,
        event_id TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        archived_ms INTEGER NOT NULL,
        event TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS archived_by_time ON archived_events (archive, time_ms, seq)",
    "CREATE TABLE IF NOT EXISTS replays (name TEXT PRIMARY KEY, record TEXT NOT NULL)",
    """
    CREATE TABLE IF NOT EXISTS invocations (
        seq INTEGER PRIMARY KEY,
        function TEXT NOT NULL,
        due_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        record TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS invocations_due ON invocations (function, due_ms, seq)",
)
