"""The topology file's shape: pydantic models for buses, queues, rules, targets and archives.

A file names each resource once, as a mapping key::

    version: 1
    owner: shop                            # marks what the file owns (see ``plan``)
    buses:
      orders: {description: Order events}  # a bus the file uses but does not declare must exist
    queues:
      orders-dlq:
        attributes: {MessageRetentionPeriod: 1209600}
      orders:
        attributes: {VisibilityTimeout: 60}
        dead_letter_queue: orders-dlq      # RedrivePolicy by name ...
        max_receive_count: 3               # ... with its maxReceiveCount
    rules:
      order-created:
        bus: orders                        # default: the default bus
        pattern: {source: [com.mycompany.orders], detail-type: [OrderCreated]}
        state: ENABLED                     # or DISABLED
        description: New orders
        targets:
          - queue: orders                  # or function: NAME, bus: NAME, arn: ARN (+ id)
            id: orders                     # default: the queue, function or bus name
            input_path: $.detail           # or input, or input_transformer
            retry_policy: {maximum_retry_attempts: 3, maximum_event_age_seconds: 3600}
            dead_letter_queue: orders-dlq
    archives:
      orders-archive: {bus: orders, retention_days: 30}   # pattern: optional

Patterns (and a target's ``input``) are YAML mappings or JSON text; queue attributes
are SQS's own names, with numbers and booleans written plainly. These models check
the shape of each part; ``checks`` then checks names, references and the engine's
own rules, each problem located in the file.
"""

from __future__ import annotations

import json
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.model.bus import DEFAULT_EVENT_AGE_SECONDS, DEFAULT_RETRY_ATTEMPTS
from orderflow.eventbus.patterns.compiler import compile_pattern

DEFAULT_BUS: Final = "default"
OWNER_TAG: Final = "orderflow:owner"
"""The tag marking, on each queue and rule, the topology file (or application) that owns it."""
OWNER_PATTERN: Final = r"^[A-Za-z0-9 _.:/=+@-]{1,128}$"
"""An owner is a tag value: up to 128 of the characters SQS and EventBridge allow in tags."""
MAX_DESCRIPTION: Final = 512


def json_text(value: object) -> object:
    """Any YAML value as compact JSON text, except text, which is taken as JSON already."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot be written as JSON: {exc}") from exc


def _pattern_text(value: object) -> object:
    if not isinstance(value, str | dict):
        raise ValueError("an event pattern is a mapping, or JSON text")  # noqa: TRY004 (pydantic)
    return json_text(value)


def _valid_pattern(text: str) -> str:
    try:
        compile_pattern(text)
    except AwsError as exc:
        raise ValueError(exc.message) from exc
    return text


def _attribute_values(value: object) -> object:
    """Queue attributes as SQS takes them: every value a string (``true``, ``60``, JSON)."""
    if not isinstance(value, dict):
        return value
    written: dict[object, object] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            written[key] = "true" if item else "false"
        elif isinstance(item, int | float):
            written[key] = str(item)
        else:
            written[key] = json_text(item)
    return written


def _no_nulls(value: object) -> object:
    """``name:`` with nothing after it is a resource with every setting at its default."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {key: {} if item is None else item for key, item in value.items()}
    return value


Pattern = Annotated[str, BeforeValidator(_pattern_text), AfterValidator(_valid_pattern)]
"""An event pattern: a YAML mapping or JSON text, valid as PutRule requires."""

Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class BusSpec(_Spec):
    """An event bus (``default`` always exists and need not be named)."""

    description: Description = ""


class QueueSpec(_Spec):
    """A queue: SQS attributes, and its dead-letter queue by name."""

    attributes: Annotated[dict[str, str], BeforeValidator(_attribute_values)] = Field(
        default_factory=dict
    )
    dead_letter_queue: str | None = None
    max_receive_count: Annotated[int, Field(ge=1, le=1000)] | None = None

    @model_validator(mode="after")
    def _redrive(self) -> QueueSpec:
        if (self.dead_letter_queue is None) != (self.max_receive_count is None):
            raise ValueError(
                "dead_letter_queue and max_receive_count go together: give both or neither"
            )
        if self.dead_letter_queue is not None and self.attributes.get("RedrivePolicy"):
            raise ValueError("give either dead_letter_queue or attributes.RedrivePolicy, not both")
        return self


class RetryPolicySpec(_Spec):
    """How long EventBridge keeps retrying a target (AWS's defaults: 185 tries, 24 hours)."""

    maximum_retry_attempts: Annotated[int, Field(ge=0, le=185)] = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age_seconds: Annotated[int, Field(ge=60, le=86_400)] = DEFAULT_EVENT_AGE_SECONDS


class InputTransformerSpec(_Spec):
    """Variables picked from the event by JSONPath, and the template that uses them."""

    input_paths_map: dict[str, str] = Field(default_factory=dict)
    input_template: str


TargetKind = Literal["queue", "function", "bus", "arn"]


class TargetSpec(_Spec):
    """A rule target: a queue, function or bus of this file by name, or any ARN."""

    id: str | None = None
    queue: str | None = None
    function: str | None = None
    bus: str | None = None
    arn: str | None = None
    input: Annotated[str, BeforeValidator(json_text)] | None = None
    input_path: str | None = None
    input_transformer: InputTransformerSpec | None = None
    retry_policy: RetryPolicySpec = Field(default_factory=RetryPolicySpec)
    dead_letter_queue: str | None = None
    message_group_id: str | None = None

    @model_validator(mode="after")
    def _one_destination(self) -> TargetSpec:
        given = [kind for kind in ("queue", "function", "bus", "arn") if getattr(self, kind)]
        if len(given) != 1:
            raise ValueError(
                "a target names exactly one of queue, function, bus or arn"
                + (f" (this one names {' and '.join(given)})" if given else "")
            )
        shapes = [
            key
            for key in ("input", "input_path", "input_transformer")
            if getattr(self, key) is not None
        ]
        if len(shapes) > 1:
            raise ValueError(
                f"give at most one of input, input_path and input_transformer, "
                f"not {' and '.join(shapes)}"
            )
        if self.arn is not None and not self.id:
            raise ValueError("a target given by arn needs an id")
        return self

    @property
    def kind(self) -> TargetKind:
        """Which of queue, function, bus or arn the target names."""
        if self.queue:
            return "queue"
        if self.function:
            return "function"
        if self.bus:
            return "bus"
        return "arn"

    @property
    def destination(self) -> str:
        """The queue, function or bus name, or the ARN."""
        return self.queue or self.function or self.bus or self.arn or ""

    @property
    def target_id(self) -> str:
        """The target's Id: as given, else the name of what it points to."""
        return self.id or self.destination


class RuleSpec(_Spec):
    """A rule on a bus, matching events by pattern, with up to five targets."""

    bus: str = DEFAULT_BUS
    pattern: Pattern
    state: Literal["ENABLED", "DISABLED"] = "ENABLED"
    description: Description = ""
    targets: list[TargetSpec] = Field(default_factory=list)


class ArchiveSpec(_Spec):
    """An archive of a bus's events (those matching ``pattern``, else all of them).
    ``retention_days`` left out: a new archive keeps its events forever (0), and an
    existing one keeps the retention it has (an operator's ``update-archive`` stays)."""

    bus: str = DEFAULT_BUS
    pattern: Pattern | None = None
    description: Description = ""
    retention_days: Annotated[int | None, Field(ge=0)] = None


Resources = BeforeValidator(_no_nulls)


class TopologySpec(_Spec):
    """A whole topology file: the resources it manages, each by name."""

    version: Literal[1] = 1
    owner: Annotated[str | None, Field(pattern=OWNER_PATTERN)] = None
    """Who owns what the file declares (tagged ``orderflow:owner`` on each queue and rule):
    ``--prune`` deletes only what this owner's tag marks; None: only what no owner does."""
    buses: Annotated[dict[str, BusSpec], Resources] = Field(default_factory=dict)
    queues: Annotated[dict[str, QueueSpec], Resources] = Field(default_factory=dict)
    rules: Annotated[dict[str, RuleSpec], Resources] = Field(default_factory=dict)
    archives: Annotated[dict[str, ArchiveSpec], Resources] = Field(default_factory=dict)

    def bus_names(self) -> set[str]:
        """Every bus the file names: declared, or used by a rule or an archive."""
        return (
            set(self.buses)
            | {rule.bus for rule in self.rules.values()}
            | {archive.bus for archive in self.archives.values()}
        )
