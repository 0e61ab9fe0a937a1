"""FIFO message groups in memory: which messages of a queue a receive may claim."""

from __future__ import annotations

from collections.abc import Iterable

from orderflow.eventbus.model.queues import StoredMessage


def claimable(messages: Iterable[StoredMessage], now_ms: int, limit: int) -> list[StoredMessage]:
    """Up to ``limit`` of ``messages``: of each group only while none of its messages is in
    flight, in storing order up to its first message that is not visible; as many of one
    group as there are before the next group (groups by their oldest message)."""
    groups: dict[str, list[StoredMessage]] = {}
    runs: list[list[StoredMessage]] = []
    for message in messages:
        if message.group_id is None:  # none in a FIFO queue the engine keeps: no order asked
            if message.visible_at_ms <= now_ms:
                runs.append([message])
        else:
            groups.setdefault(message.group_id, []).append(message)
    for members in groups.values():
        if any(m.receipt_handle is not None and m.visible_at_ms > now_ms for m in members):
            continue  # a batch of this group is in flight: the group waits for it
        run: list[StoredMessage] = []
        for message in sorted(members, key=lambda m: m.seq):
            if message.visible_at_ms > now_ms:
                break  # later messages of the group wait for this one
            run.append(message)
        if run:
            runs.append(run)
    runs.sort(key=lambda run: run[0].seq)
    return [message for run in runs for message in run][:limit]
