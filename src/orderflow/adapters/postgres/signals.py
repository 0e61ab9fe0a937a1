"""Queue signals across hosts: ``NOTIFY`` when a commit may have made messages visible,
one listening connection per store, counters a long poll waits on.

Each queue has a channel of its own (``channel``: a hash of its name, since a channel is
an identifier of at most 63 bytes), and there is one for every queue at once. A write
transaction that added messages to some queues notifies their channels (a visibility
change: the every-queue channel) just before its ``COMMIT``: PostgreSQL delivers
notifications only when, and if, the transaction commits. Each ``PostgresStore`` keeps
one connection that ``LISTEN``\\ s, on a thread of its own, to the channels of the queues
this process has asked about (a long poll's first ``value``; the ``LISTEN`` is in place
before ``value`` returns), so that a process is woken only for the queues it waits on,
not by every commit of every process. It counts what arrives per queue; ``value(queue)``
is that count (plus the every-queue count), and ``wait`` blocks on a condition until it
moves. The process's own commits are counted at once, without waiting for their
notification to come back.

A missed notification (the listening connection lost, and being opened again) costs at
most a long poll's slice of a second: the database stays the truth, and every queue is
signalled when the listener is back.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import select
import socket
import threading
from collections.abc import Iterable
from typing import Final

import psycopg

from orderflow.adapters.postgres.connection import Connection, connect
from orderflow.eventbus.errors import StoreError

EVERY_QUEUE: Final = "*"
EVERY_QUEUE_CHANNEL: Final = "orderflow_every_queue"
_IDLE_S: Final = 1.0
_LISTEN_WAIT_S: Final = 2.0
"""The longest ``value`` waits for a new queue's LISTEN (the listener reconnecting, say);
past it the long poll goes on, its looks a slice of a second apart."""
_RECONNECT_S: Final = (0.1, 0.2, 0.5, 1.0, 2.0)

log = logging.getLogger(__name__)


def channel(queue: str) -> str:
    """The channel a queue's commits notify (``EVERY_QUEUE``: the every-queue channel)."""
    if queue == EVERY_QUEUE:
        return EVERY_QUEUE_CHANNEL
    return "orderflow_queue_" + hashlib.sha256(queue.encode()).hexdigest()[:32]


class QueueSignals:
    """Counts of the signals each queue received (this process's commits and every
    other's), and the thread that listens for them on ``url``."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._changed = threading.Condition()
        self._counts: dict[str, int] = {}
        self._every = 0
        self._stopping = threading.Event()
        self._queues: dict[str, str] = {}  # by channel: the queues listened to, or asked for
        self._listening: set[str] = set()  # the channels LISTENed to on the connection
        self._connection = self._listen()  # the first connection's errors are the caller's
        self._wake_read, self._wake_write = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name="orderflow-pg-listen", daemon=True)
        self._thread.start()

    # -- counting ---------------------------------------------------------------------

    def value(self, queue: str) -> int:
        """The queue's count; the first time, once its channel is listened to."""
        with self._changed:
            if channel(queue) not in self._queues:
                self._queues[channel(queue)] = queue
                self._wake()
            self._changed.wait_for(
                lambda: channel(queue) in self._listening or self._stopping.is_set(),
                _LISTEN_WAIT_S,
            )
            return self._counts.get(queue, 0) + self._every

    def wait(self, queue: str, seen: int, timeout_s: float) -> None:
        with self._changed:
            self._changed.wait_for(
                lambda: self._counts.get(queue, 0) + self._every != seen, timeout_s
            )

    def ring(self, queues: Iterable[str], *, every_queue: bool = False) -> None:
        with self._changed:
            for queue in queues:
                if queue == EVERY_QUEUE:
                    every_queue = True
                else:
                    self._counts[queue] = self._counts.get(queue, 0) + 1
            if every_queue:
                self._every += 1
            self._changed.notify_all()

    # -- listening --------------------------------------------------------------------

    def _wake(self) -> None:
        """Wake the listening thread from its wait (to listen to more, or to stop)."""
        with contextlib.suppress(OSError):
            self._wake_write.send(b"x")

    def _listen(self) -> Connection:
        """A new listening connection, on the every-queue channel and every queue's asked
        for so far."""
        connection = connect(self._url)
        try:
            with self._changed:
                self._listening.clear()
                wanted = {EVERY_QUEUE_CHANNEL, *self._queues}
            self._listen_to(connection, wanted)
        except BaseException:
            connection.close()
            raise
        return connection

    def _listen_to(self, connection: Connection, channels: set[str]) -> None:
        for name in sorted(channels):
            connection.execute(f'LISTEN "{name}"')
        with self._changed:
            self._listening |= channels
            self._changed.notify_all()

    def _run(self) -> None:
        connection: Connection | None = self._connection
        failures = 0
        while not self._stopping.is_set():
            if connection is None:
                connection = self._reconnect(failures)
                failures = 0 if connection is not None else failures + 1
                continue
            try:
                self._receive(connection)
            except (psycopg.Error, OSError) as exc:
                log.warning("listening for queue signals stopped, reconnecting: %s", exc)
                with contextlib.suppress(psycopg.Error):
                    connection.close()
                connection = None
        if connection is not None:
            with contextlib.suppress(psycopg.Error):
                connection.close()

    def _receive(self, connection: Connection) -> None:
        """Listen to the channels newly asked for; wait for notifications (or a wake-up),
        and count them."""
        with self._changed:
            new = set(self._queues) - self._listening
        if new:
            self._listen_to(connection, new)
        ready, _, _ = select.select(
            [connection.fileno(), self._wake_read.fileno()], [], [], _IDLE_S
        )
        if self._wake_read.fileno() in ready:
            self._wake_read.recv(4096)
        # Whatever the socket said: a notification that came in while a LISTEN ran was
        # read with its answer, and psycopg keeps it for the next notifies() call.
        notified = [notify.channel for notify in connection.notifies(timeout=0)]
        if notified:
            with self._changed:
                queues = [self._queues.get(name, EVERY_QUEUE) for name in notified]
            self.ring(queues)

    def _reconnect(self, failures: int) -> Connection | None:
        if self._stopping.wait(_RECONNECT_S[min(failures, len(_RECONNECT_S) - 1)]):
            return None
        try:
            connection = self._listen()
        except (StoreError, psycopg.Error) as exc:
            log.debug("the queue signals' listener cannot reconnect yet: %s", exc)
            return None
        self.ring((), every_queue=True)  # what was missed meanwhile: every queue looks again
        return connection

    def close(self) -> None:
        self._stopping.set()
        self._wake()
        self._thread.join()
        self._wake_read.close()
        self._wake_write.close()
        with self._changed:
            self._changed.notify_all()
