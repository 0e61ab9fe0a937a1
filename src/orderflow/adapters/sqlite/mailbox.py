"""The embedded mail sink's mailbox: what it received, once per Message-ID, in a SQLite
file of its own beside the engine's (``orderflow.db`` -> ``orderflow.mailbox.db``).

The sink stands for a mail server, which is not part of the order system: keeping its
mail in another file means that accepting an email never waits for the order system's
writers, nor they for it (in one file, every email cost a turn at the one write lock).
An email is committed (and synced, with ``synchronous=FULL``, the default, as the
engine's file) as received, before the sink answers 250; its subject and text
are read from it when the mailbox is listed (parsing every email on receipt cost the
sink a tenth of its time).
"""

from __future__ import annotations

import sqlite3
import threading
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any, Final

import orjson

from orderflow.adapters.sqlite.connection import (
    BUSY_TIMEOUT_MS,
    DEFAULT_SYNCHRONOUS,
    SYNCHRONOUS_LEVELS,
    translate,
)
from orderflow.eventbus.errors import StoreError

SCHEMA: Final = """
    CREATE TABLE IF NOT EXISTS mailbox (
        message_id TEXT PRIMARY KEY,
        received_ms INTEGER NOT NULL,
        sender TEXT NOT NULL,
        recipients TEXT NOT NULL,
        raw BLOB NOT NULL
    ) WITHOUT ROWID
"""


def mailbox_path(database: Path) -> Path:
    """Where the mailbox of the system on ``database`` is kept."""
    return database.with_name(f"{database.stem}.mailbox{database.suffix or '.db'}")


class SqliteMailbox:
    """The mailbox file, created on first use; safe for several threads and processes."""

    def __init__(self, database: Path, *, synchronous: str = DEFAULT_SYNCHRONOUS) -> None:
        self.path = mailbox_path(database)
        self._synchronous = synchronous.upper()
        if self._synchronous not in SYNCHRONOUS_LEVELS:
            raise StoreError(f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}.")
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)  # a server's DB has none
            except OSError as exc:
                raise StoreError(
                    f"Cannot create the mailbox's folder {self.path.parent}: {exc}"
                ) from exc
            try:
                connection = sqlite3.connect(
                    self.path,
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                )
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute(f"PRAGMA synchronous = {self._synchronous}")
                connection.execute(SCHEMA)
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc
            self._db = connection
        return self._db

    def deliver(
        self,
        message_id: str,
        received_ms: int,
        *,
        sender: str,
        recipients: list[str],
        raw: bytes,
    ) -> bool:
        """Keep a message; False if one with this Message-ID was already kept."""
        with self._lock:
            try:
                cursor = self._connection().execute(
                    "INSERT OR IGNORE INTO mailbox (message_id, received_ms, sender, recipients,"
                    " raw) VALUES (?, ?, ?, ?, ?)",
                    (message_id, received_ms, sender, orjson.dumps(recipients).decode(), raw),
                )
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc
            return cursor.rowcount == 1

    def messages(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The oldest ``limit`` messages, oldest first (none if nothing was ever received)."""
        if self._db is None and not self.path.exists():
            return []
        with self._lock:
            try:
                rows = (
                    self._connection()
                    .execute(
                        "SELECT message_id, received_ms, sender, recipients, raw "
                        "FROM mailbox ORDER BY received_ms, message_id LIMIT ?",
                        (limit,),
                    )
                    .fetchall()
                )
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc
        listed = []
        for message_id, received_ms, sender, recipients, raw in rows:
            message = message_from_bytes(raw)
            listed.append(
                {
                    "messageId": message_id,
                    "receivedMs": received_ms,
                    "from": sender,
                    "to": orjson.loads(recipients),
                    "subject": _header(message.get("Subject", "")),
                    "body": _plain_text(message),
                }
            )
        return listed

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _header(value: object) -> str:
    """A header's text, encoded words (``=?utf-8?...?=``) decoded."""
    return str(make_header(decode_header(str(value))))


def _plain_text(message: Message) -> str:
    """The first text/plain part, its transfer encoding and charset decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""
