"""The system a Lambda function runs on: the services' state at a URL (PostgreSQL on
AWS, a SQLite file in tests), its events over the AWS APIs.

Unlike ``open_system``, it keeps no mailbox (a function receives no mail; the emails its
handlers write wait in the state's mail outbox for a mail relay) and writes no file
beside the state, so that it runs where only ``/tmp`` is writable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orderflow.adapters.sqlite import SqliteStore
from orderflow.adapters.sqlite.state import SqliteStateStore
from orderflow.bootstrap import storage_location
from orderflow.bootstrap.storage import StorageUrlError
from orderflow.bootstrap.system import System
from orderflow.eventbus.clock import SystemClock

if TYPE_CHECKING:
    from orderflow.adapters.aws.connection import AwsConnection


def open_function_system(db: str, aws: AwsConnection) -> System:
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
        system = System(
            PostgresStateStore(server), AwsTransport(aws), DatabaseClock(server), remote=aws
        )
        system._closing.append(server.close)
        return system
    if location.path is None:
        raise StorageUrlError(
            f"{db}: a function needs a database its instances share (postgresql://...)"
        )
    store = SqliteStore(location.path, writer_turns=True)
    system = System(SqliteStateStore(store), AwsTransport(aws), SystemClock(), remote=aws)
    system._closing.append(store.close)
    return system
