"""``PostgresStore``: the engine's records in a PostgreSQL database, shared by processes on
any number of hosts.

Transactions. Each is one connection of a ``psycopg_pool.ConnectionPool``. A write
transaction runs at READ COMMITTED: each statement sees what was committed before it
began, and where a read decides a write that another host could make at the same time,
the read locks what it read (the table modules say which and why: ``queue_tables``,
``bus_tables``; the services' state: ``state``). No global lock: receivers of one queue
on many hosts claim disjoint messages with ``FOR UPDATE SKIP LOCKED`` and never wait for
each other. ``reader()`` is REPEATABLE READ, READ ONLY: one consistent snapshot for the
whole block, which takes no row locks, so it never waits for a writer nor holds one up.

A serialization failure or a deadlock (which PostgreSQL resolves by cancelling one of
the transactions) is raised as ``TransactionConflict``, every other failure as
``StoreError``, each naming the database with its password masked (``errors``).

Long polling. A commit that added messages (or changed a visibility) notifies their
queues' channels, and the listener of every store waiting on one of them counts what
arrives (``signals``). The schema is created and upgraded when the store opens (``migrations``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from orderflow.adapters.postgres.bus_tables import PostgresBusTables
from orderflow.adapters.postgres.connection import Connection, connect, connect_timeout
from orderflow.adapters.postgres.counters import PostgresCounters
from orderflow.adapters.postgres.errors import translate
from orderflow.adapters.postgres.migrations import migrate
from orderflow.adapters.postgres.queue_tables import PostgresQueueTables
from orderflow.adapters.postgres.signals import EVERY_QUEUE, QueueSignals, channel
from orderflow.adapters.postgres.urls import masked
from orderflow.eventbus.model.queues import NewMessage

WRITE: Final = "BEGIN ISOLATION LEVEL READ COMMITTED"
READ: Final = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
POOL_SIZE: Final = 10
POOL_TIMEOUT_S: Final = 30.0
"""How long a transaction waits for a connection of the pool to come free."""


class PostgresTransaction(PostgresQueueTables, PostgresBusTables, PostgresCounters):
    """Every table, inside one transaction on one connection; it notes which queues its
    commit must signal."""

    def __init__(self, connection: Connection, *, writes: bool) -> None:
        self._db = connection
        self.writes = writes
        self._topology_locked = False
        self.signalled: set[str] = set()
        self.signals_every_queue = False

    def add_messages(self, messages: Sequence[NewMessage]) -> None:
        super().add_messages(messages)
        self.signalled.update(message.queue for message in messages)

    def add_message(self, message: NewMessage) -> int:
        seq = super().add_message(message)
        self.signalled.add(message.queue)
        return seq

    def set_visible_at(self, seq: int, visible_at_ms: int) -> None:
        super().set_visible_at(seq, visible_at_ms)
        self.signals_every_queue = True  # the message may be visible sooner than awaited

    @property
    def connection(self) -> Connection:
        """The transaction's connection, for other tables that commit with the engine's."""
        return self._db

    def signals(self) -> list[str]:
        """What the commit notifies: the queues given messages, or every queue."""
        return [EVERY_QUEUE] if self.signals_every_queue else sorted(self.signalled)


class PostgresStore:
    """The engine's store on the PostgreSQL database ``url`` (libpq's URL; a password
    belongs in $PGPASSWORD or ~/.pgpass), safe for many threads, processes and hosts.

    ``pool_size``: the most connections this store opens for transactions (besides the
    one that listens for queue signals)."""

    concurrent_writers = True  # transactions lock rows, not the database

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.shown = masked(url)
        with connect(url) as connection:
            try:
                migrate(connection, url)
            except psycopg.Error as exc:
                raise translate(exc, url) from exc
        self._signals = QueueSignals(url)
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            kwargs={"autocommit": True, "connect_timeout": connect_timeout(url)},
            min_size=1,
            max_size=pool_size,
            timeout=POOL_TIMEOUT_S,
            name="orderflow",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout(url))
        except (PoolTimeout, psycopg.Error) as exc:
            self._signals.close()
            self._pool.close()
            raise translate(exc, url) from exc

    def __repr__(self) -> str:
        return f"PostgresStore({self.shown!r})"

    @contextmanager
    def _run(self, begin: str, *, writes: bool) -> Iterator[PostgresTransaction]:
        try:
            with self._pool.connection() as connection:
                connection.execute(begin)
                tx = PostgresTransaction(connection, writes=writes)
                try:
                    yield tx
                except BaseException:
                    with contextlib.suppress(psycopg.Error):
                        connection.execute("ROLLBACK")
                    raise
                self._commit(connection, tx)
        except (psycopg.Error, PoolTimeout, PoolClosed) as exc:
            if isinstance(exc, psycopg.OperationalError):
                self._replace_broken_connections()
            raise translate(exc, self.url) from exc
        if writes and (tx.signalled or tx.signals_every_queue):
            self._signals.ring(tx.signalled, every_queue=tx.signals_every_queue)

    def _replace_broken_connections(self) -> None:
        """After a lost connection (a server restarted, a backend terminated): test the
        idle ones, so that the next transactions do not each meet one more dead one."""
        with contextlib.suppress(psycopg.Error, PoolClosed, PoolTimeout):
            self._pool.check()

    @staticmethod
    def _commit(connection: Connection, tx: PostgresTransaction) -> None:
        """Commit, notifying the queues the transaction signals in the same round trip
        (PostgreSQL delivers the notifications with the commit, and only then)."""
        queues = tx.signals() if tx.writes else []
        try:
            if not queues:
                connection.execute("COMMIT")
                return
            with connection.pipeline():
                connection.execute(
                    "SELECT pg_notify(signal.channel, signal.queue) "
                    "FROM unnest(%s::text[], %s::text[]) AS signal(channel, queue)",
                    ([channel(queue) for queue in queues], queues),
                )
                connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                connection.execute("ROLLBACK")
            raise

    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        with self._run(WRITE, writes=True) as tx:
            yield tx

    @contextmanager
    def reader(self) -> Iterator[PostgresTransaction]:
        with self._run(READ, writes=False) as tx:
            yield tx

    def queue_signal(self, queue: str) -> int:
        return self._signals.value(queue)

    def wait_for_signal(self, queue: str, seen: int, timeout_s: float) -> None:
        self._signals.wait(queue, seen, timeout_s)

    def server_time_ms(self, *, timeout_s: float = 0.5) -> int:
        """The database server's clock (``clock_timestamp()``), in ms since the epoch."""
        try:
            with self._pool.connection(timeout=timeout_s) as connection:
                row = connection.execute(
                    "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint"
                ).fetchone()
        except (psycopg.Error, PoolTimeout, PoolClosed) as exc:
            raise translate(exc, self.url) from exc
        assert row is not None
        return int(row[0])

    def close(self) -> None:
        self._signals.close()
        self._pool.close()
