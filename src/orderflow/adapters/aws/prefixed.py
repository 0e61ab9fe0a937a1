"""``PrefixedTransport``: a transport whose queues and buses carry an environment's name
prefix on AWS (``staging-orders`` for the topology's ``orders``), as the export names
them (``orderflow export ... NamePrefix``/``name_prefix``). The services keep their
topology's names; only what crosses to AWS is renamed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from orderflow.runtime.transport import Message, PublishedEntry, Transport

BUS: Final = "EventBusName"


class PrefixedTransport:
    """``inner``, its queue and bus names put after ``prefix``."""

    def __init__(self, inner: Transport, prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix

    def receive(self, queue: str, *, max_messages: int, wait_time_s: int) -> list[Message]:
        return self._inner.receive(
            self._prefix + queue, max_messages=max_messages, wait_time_s=wait_time_s
        )

    def acknowledge(self, queue: str, receipt_handles: Sequence[str]) -> None:
        self._inner.acknowledge(self._prefix + queue, receipt_handles)

    def change_visibility(self, queue: str, receipt_handle: str, timeout_s: int) -> None:
        self._inner.change_visibility(self._prefix + queue, receipt_handle, timeout_s)

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> list[PublishedEntry]:
        return self._inner.put_events([self._renamed(entry) for entry in entries])

    def _renamed(self, entry: Mapping[str, Any]) -> Mapping[str, Any]:
        bus = entry.get(BUS)
        if not isinstance(bus, str) or bus.startswith("arn:"):
            return entry
        return {**entry, BUS: self._prefix + bus}
