"""An EventBridge event as a queue consumer receives it, and the metadata orderflow adds.

Every event the order services emit carries, in ``detail.metadata``:
``eventId`` (the idempotency key: the same for a redelivery, a relay retry or a
replay), ``correlationId`` (the order's whole journey) and ``causationId`` (the
``eventId`` of the event that caused it; absent on the first event of a journey).
Events from other publishers may lack them: their EventBridge ``id`` stands in for
``eventId``, the order id for ``correlationId``, and they have no ``causationId`` (they
start a journey, or continue one another system began).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from orderflow.events.errors import MalformedEvent


@dataclass(frozen=True)
class Envelope:
    """The fields of an EventBridge event a consumer needs, and the detail as JSON."""

    id: str
    source: str
    detail_type: str
    time: str
    detail: dict[str, Any]
    replay_name: str | None = None
    decoded: dict[object, Any] = field(default_factory=dict, compare=False, repr=False)
    """Contracts already read from this event, by reader (``registry`` fills it)."""

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.detail.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def event_id(self) -> str:
        """The idempotency key: ``detail.metadata.eventId``, else the EventBridge id."""
        value = self.metadata.get("eventId")
        return value if isinstance(value, str) and value else self.id

    @property
    def correlation_id(self) -> str:
        value = self.metadata.get("correlationId")
        if isinstance(value, str) and value:
            return value
        order = self.detail.get("order")
        order_id = self.detail.get("orderId") or (
            order.get("orderId") if isinstance(order, dict) else None
        )
        return order_id if isinstance(order_id, str) and order_id else self.event_id

    @property
    def causation_id(self) -> str | None:
        value = self.metadata.get("causationId")
        return value if isinstance(value, str) and value else None

    @property
    def event_version(self) -> str | None:
        value = self.detail.get("eventVersion")
        return value if isinstance(value, str) else None


def parse_envelope(body: str | bytes) -> Envelope:
    """The event in a queue message body, or ``MalformedEvent`` saying what is wrong."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedEvent(f"The message body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise MalformedEvent("The message body is not an EventBridge event (not a JSON object).")
    missing = [key for key in ("id", "source", "detail-type", "detail") if key not in document]
    if missing:
        raise MalformedEvent(
            f"The message body is not an EventBridge event: it lacks {', '.join(missing)}."
        )
    detail = document["detail"]
    if not isinstance(detail, dict):
        raise MalformedEvent("The event's detail is not a JSON object.")
    fields = (document["id"], document["source"], document["detail-type"])
    if not all(isinstance(value, str) and value for value in fields):
        raise MalformedEvent("The event's id, source and detail-type must be non-empty strings.")
    replay = document.get("replay-name")
    return Envelope(
        id=document["id"],
        source=document["source"],
        detail_type=document["detail-type"],
        time=str(document.get("time", "")),
        detail=detail,
        replay_name=replay if isinstance(replay, str) else None,
    )
