"""What an operator wants to know about each queue, read without changing anything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orderflow.eventbus.engine import Engine
from orderflow.eventbus.queues.attributes import parse_redrive_policy
from orderflow.eventbus.queues.errors import QueueDoesNotExist


@dataclass(frozen=True)
class QueueStatus:
    """One queue's depth, its dead-letter queue and when its oldest message was sent."""

    name: str
    url: str
    visible: int
    in_flight: int
    delayed: int
    dead_letter_queue: str | None
    oldest_sent_ms: int | None

    @property
    def depth(self) -> int:
        """Every message in the queue, whatever its state."""
        return self.visible + self.in_flight + self.delayed


def dead_letter_queue(attributes: Mapping[str, str]) -> str | None:
    """The name of the DLQ a queue's RedrivePolicy names, if it has one."""
    text = attributes.get("RedrivePolicy")
    return parse_redrive_policy(text).dead_letter_queue if text else None


def queue_statuses(engine: Engine) -> list[QueueStatus]:
    """Every queue, by name (a queue deleted meanwhile is left out)."""
    statuses: list[QueueStatus] = []
    for url in engine.sqs.list_queues():
        try:
            attributes = engine.sqs.get_queue_attributes(url, ["All"])
            oldest = engine.sqs.peek_messages(url, 1)
        except QueueDoesNotExist:
            continue
        statuses.append(
            QueueStatus(
                name=engine.sqs.name_of(url),
                url=url,
                visible=int(attributes["ApproximateNumberOfMessages"]),
                in_flight=int(attributes["ApproximateNumberOfMessagesNotVisible"]),
                delayed=int(attributes["ApproximateNumberOfMessagesDelayed"]),
                dead_letter_queue=dead_letter_queue(attributes),
                oldest_sent_ms=int(oldest[0].attributes["SentTimestamp"]) if oldest else None,
            )
        )
    return statuses


def human_age(seconds: float) -> str:
    """``42s``, ``5m 03s``, ``2h 10m``, ``3d 04h``."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    if whole < 86_400:
        return f"{whole // 3600}h {whole % 3600 // 60:02d}m"
    return f"{whole // 86_400}d {whole % 86_400 // 3600:02d}h"
