"""The system a Lambda function runs on: the services' state at a URL (PostgreSQL on
AWS, a SQLite file in tests), its events over the AWS APIs.

Unlike ``open_system``, it keeps no mailbox (a function receives no mail; the emails
its handlers write are sent by the notification function, ``entrypoints.aws_lambda``),
writes no file beside the state (only ``/tmp`` is writable on Lambda), and imports
neither the SMTP sender (but for the notification function given a server) nor the
embedded engine's wiring, so that a cold start loads only what it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orderflow.bootstrap import storage_location
from orderflow.bootstrap.storage import StorageUrlError
from orderflow.eventbus.clock import Clock, SystemClock
from orderflow.eventbus.ids import new_uuid

if TYPE_CHECKING:
    from orderflow.adapters.aws.connection import AwsConnection
    from orderflow.adapters.aws.transport import AwsTransport
    from orderflow.runtime.ports import StateStore


@dataclass
class FunctionSystem:
    """A function's state, its transport (the AWS APIs), time and ids."""

    state: StateStore
    transport: AwsTransport
    clock: Clock
    new_id: Callable[[], str] = new_uuid
    _closing: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def closing(self, close: Callable[[], None]) -> None:
        """Call ``close`` too when the system closes."""
        self._closing.append(close)

    def close(self) -> None:
        self.transport.close()
        for closing in self._closing:
            closing()


def open_function_system(db: str, aws: AwsConnection) -> FunctionSystem:
    """The state at ``db`` (a URL or a path; not ``memory:``: a function's instances
    share nothing in memory), events at ``aws``."""
    from orderflow.adapters.aws.transport import AwsTransport  # noqa: PLC0415 (boto3)

    location = storage_location(db)
    if location.postgres_url is not None:
        from orderflow.adapters.postgres import (  # noqa: PLC0415 (psycopg: only when asked)
            DatabaseClock,
            PostgresStateStore,
            PostgresStore,
        )

        server = PostgresStore(location.postgres_url)
        system = FunctionSystem(
            PostgresStateStore(server), AwsTransport(aws), DatabaseClock(server)
        )
        system._closing.append(server.close)
        return system
    if location.path is None:
        raise StorageUrlError(
            f"{db}: a function needs a database its instances share (postgresql://...)"
        )
    from orderflow.adapters.sqlite import SqliteStore  # noqa: PLC0415 (as psycopg above)
    from orderflow.adapters.sqlite.state import SqliteStateStore  # noqa: PLC0415

    store = SqliteStore(location.path, writer_turns=True)
    system = FunctionSystem(SqliteStateStore(store), AwsTransport(aws), SystemClock())
    system._closing.append(store.close)
    return system
