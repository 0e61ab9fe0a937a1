"""A consumer on the remote transport that SIGKILLs itself at a chosen point, for tests.

Run as ``python -m tests.integration.remote.crashing_worker STATE_DB ENDPOINT CONSUMER
POINT``: the consumer's worker (the one ``orderflow worker --aws`` runs) handles its
queue until the transport is asked, for the first time, to do POINT:

- ``acknowledge``: its state transaction has committed, DeleteMessageBatch not sent;
- ``put_events``: its state transaction has committed (and the messages are deleted),
  the outbox's PutEvents not sent;
- ``put_events_answered``: PutEvents has accepted the outbox's events, their rows are
  not marked published yet (so they are published again after the restart).

There the process kills itself with SIGKILL, as a crash would: no cleanup, no flush.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from orderflow.adapters.aws.clients import AwsConnection
from orderflow.bootstrap.system import open_system
from orderflow.runtime.transport import Message, PublishedEntry, Transport

POINTS = ("acknowledge", "put_events", "put_events_answered")


class CrashingTransport:
    """``inner``, but the first call of ``point`` kills the process first."""

    def __init__(self, inner: Transport, point: str) -> None:
        self._inner = inner
        self._point = point

    def _maybe_die(self, operation: str) -> None:
        if operation == self._point:
            print(f"CRASH {operation}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    def receive(self, queue: str, *, max_messages: int, wait_time_s: int) -> list[Message]:
        return self._inner.receive(queue, max_messages=max_messages, wait_time_s=wait_time_s)

    def acknowledge(self, queue: str, receipt_handles: Sequence[str]) -> None:
        self._maybe_die("acknowledge")
        self._inner.acknowledge(queue, receipt_handles)

    def change_visibility(self, queue: str, receipt_handle: str, timeout_s: int) -> None:
        self._inner.change_visibility(queue, receipt_handle, timeout_s)

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> list[PublishedEntry]:
        self._maybe_die("put_events")
        results = self._inner.put_events(entries)
        self._maybe_die("put_events_answered")
        return results


def main(state_db: str, endpoint: str, consumer: str, point: str) -> None:
    if point not in POINTS:
        raise SystemExit(f"point must be one of {POINTS}")
    system = open_system(state_db, aws=AwsConnection(endpoint_url=endpoint, region="us-east-1"))
    crashing = dataclasses.replace(system, transport=CrashingTransport(system.transport, point))
    worker = crashing.worker(consumer, wait_time_s=1)
    print("STARTED", flush=True)
    worker.run(threading.Event())  # until it kills itself (or the test kills it)


if __name__ == "__main__":
    main(*sys.argv[1:5])
