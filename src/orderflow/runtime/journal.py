"""The delivery journal: one record per message a consumer received, and what came of it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PROCESSED = "PROCESSED"
    """The handler's effects committed."""
    DUPLICATE = "DUPLICATE"
    """Already processed (a redelivery or a replay): acknowledged without effect."""
    IGNORED = "IGNORED"
    """No handler for this detail-type: acknowledged without effect."""
    FAILED = "FAILED"
    """The handler failed; the message comes back after a backoff, or goes to the DLQ."""


@dataclass(frozen=True)
class Attempt:
    consumer: str
    message_id: str
    event_id: str
    correlation_id: str
    causation_id: str | None
    source: str
    detail_type: str
    receive_count: int
    outcome: Outcome
    error: str | None
    started_ms: int
    duration_ms: float
