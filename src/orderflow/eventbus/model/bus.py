"""What the store keeps for event buses, rules, targets, archives, replays and pending
function invocations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

DEFAULT_BUS: Final = "default"
DEFAULT_RETRY_ATTEMPTS: Final = 185
DEFAULT_EVENT_AGE_SECONDS: Final = 86_400


@dataclass(frozen=True)
class BusRecord:
    name: str
    created_ms: int
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleRecord:
    bus: str
    name: str
    event_pattern: str
    state: str  # ENABLED | DISABLED
    created_ms: int
    description: str = ""
    role_arn: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.state != "DISABLED"


@dataclass(frozen=True)
class RetryPolicy:
    maximum_retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age_seconds: int = DEFAULT_EVENT_AGE_SECONDS


@dataclass(frozen=True)
class TargetRecord:
    """A rule's target, as PutTargets gave it (the input choice kept as AWS's fields)."""

    bus: str
    rule: str
    target_id: str
    arn: str
    input: str | None = None
    input_path: str | None = None
    input_paths_map: Mapping[str, str] | None = None
    input_template: str | None = None
    retry_policy: RetryPolicy = RetryPolicy()
    dead_letter_arn: str | None = None
    role_arn: str | None = None
    message_group_id: str | None = None
    retry_policy_given: bool = False  # ListTargetsByRule shows a RetryPolicy only if given


@dataclass(frozen=True)
class ArchiveRecord:
    name: str
    bus: str
    event_pattern: str | None
    retention_days: int  # 0: forever
    created_ms: int
    description: str = ""
    state: str = "ENABLED"


@dataclass(frozen=True)
class ArchivedEvent:
    archive: str
    seq: int
    event_id: str
    time_ms: int  # the event's own time (replay windows)
    event: str  # the event's JSON
    archived_ms: int = 0  # when it was archived (retention)


@dataclass(frozen=True)
class ReplayRecord:
    name: str
    archive: str
    bus: str
    start_ms: int
    end_ms: int
    filter_rules: tuple[str, ...]
    state: str  # STARTING | RUNNING | CANCELLING | COMPLETED | CANCELLED | FAILED
    started_ms: int
    description: str = ""
    ended_ms: int | None = None
    last_replayed_ms: int | None = None
    state_reason: str = ""
    replayed: int = 0


@dataclass(frozen=True)
class NewInvocation:
    """A pending delivery of one event to a function target."""

    function: str
    rule_arn: str
    target_arn: str
    target_id: str
    bus: str
    rule: str
    payload: str  # what the function receives (after input transformation)
    event: str  # the original event, for the DLQ
    ingested_ms: int
    due_ms: int
    attempts: int = 0


@dataclass(frozen=True)
class Invocation(NewInvocation):
    seq: int = 0
