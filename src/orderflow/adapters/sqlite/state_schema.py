"""The order services' tables, beside the engine's in the same file (prefix ``svc_``)."""

from __future__ import annotations

from typing import Final

from orderflow.adapters.sqlite.schema import COUNTERS_TABLE

STATE_SCHEMA: Final = (
    COUNTERS_TABLE,  # the consumers' counters, in a file of the services' state alone too
    """
    CREATE TABLE IF NOT EXISTS svc_documents (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS svc_processed (
        consumer TEXT NOT NULL,
        event_id TEXT NOT NULL,
        processed_ms INTEGER NOT NULL,
        PRIMARY KEY (consumer, event_id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS svc_outbox (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        correlation_id TEXT NOT NULL,
        causation_id TEXT,
        source TEXT NOT NULL,
        detail_type TEXT NOT NULL,
        detail TEXT NOT NULL,
        bus TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        published_ms INTEGER,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        leased_until_ms INTEGER
    )
    """,
    "CREATE INDEX IF NOT EXISTS svc_outbox_pending ON svc_outbox (seq) WHERE published_ms IS NULL",
    "CREATE INDEX IF NOT EXISTS svc_outbox_by_correlation ON svc_outbox (correlation_id)",
    """
    CREATE TABLE IF NOT EXISTS svc_attempts (
        seq INTEGER PRIMARY KEY,
        consumer TEXT NOT NULL,
        message_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        causation_id TEXT,
        source TEXT NOT NULL,
        detail_type TEXT NOT NULL,
        receive_count INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT,
        started_ms INTEGER NOT NULL,
        duration_ms REAL NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS svc_attempts_by_correlation ON svc_attempts (correlation_id)",
    "CREATE INDEX IF NOT EXISTS svc_attempts_by_message ON svc_attempts (message_id)",
    """
    CREATE TABLE IF NOT EXISTS svc_mail_outbox (
        message_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        causation_id TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        sent_ms INTEGER,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        leased_until_ms INTEGER
    ) WITHOUT ROWID
    """,
    "CREATE INDEX IF NOT EXISTS svc_mail_pending ON svc_mail_outbox (created_ms) "
    "WHERE sent_ms IS NULL",
)
