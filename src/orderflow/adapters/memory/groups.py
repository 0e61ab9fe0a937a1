"""FIFO message groups in memory: which messages of a queue a receive may claim."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from orderflow.eventbus.model.queues import StoredMessage


def claimable(messages: Iterable[StoredMessage], now_ms: int, limit: int) -> list[StoredMessage]:
    """Up to ``limit`` of ``messages`` in storing order, of each group only while none of
    its messages is in flight, and only up to its first message that is not visible."""
    groups: dict[str, list[StoredMessage]] = {}
    ready: list[StoredMessage] = []
    for message in messages:
        if message.group_id is None:  # none in a FIFO queue the engine keeps: no order asked
            if message.visible_at_ms <= now_ms:
                ready.append(message)
        else:
            groups.setdefault(message.group_id, []).append(message)
    for members in groups.values():
        if any(m.receipt_handle is not None and m.visible_at_ms > now_ms for m in members):
            continue  # a batch of this group is in flight: the group waits for it
        for message in sorted(members, key=lambda m: m.seq):
            if message.visible_at_ms > now_ms:
                break  # later messages of the group wait for this one
            ready.append(message)
    return heapq.nsmallest(limit, ready, key=lambda message: message.seq)
