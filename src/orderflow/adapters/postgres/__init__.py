"""The engine's store and the services' state on PostgreSQL: many processes on many hosts,
one database.

``PostgresStore(url)`` implements the engine's storage port (``eventbus.ports``),
``PostgresStateStore(store, engine)`` the services' (``runtime.ports``) in the same
transactions, and ``DatabaseClock(store)`` the server's time, which every host then
shares. The schema is the program's: ``migrations/NNNN_*.sql``, applied when a store opens.
"""

from orderflow.adapters.postgres.clock import DatabaseClock
from orderflow.adapters.postgres.state import PostgresStateStore
from orderflow.adapters.postgres.store import PostgresStore

__all__ = ["DatabaseClock", "PostgresStateStore", "PostgresStore"]
