"""``System``: the engine, the services' state and their wiring, opened as one.

``open_system(db)`` opens the SQLite file (engine and services share it and its
transactions; the embedded mail sink keeps its mailbox in a file of its own);
``memory_system()`` does the same in memory for tests.
``install(system)`` applies the services' topology (bus, queues with DLQs, rules,
archive) and seeds the catalog; both are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from orderflow.adapters.memory import MemoryStore
from orderflow.adapters.memory.state import MemoryStateStore
from orderflow.adapters.smtp.sender import SmtpMailer
from orderflow.adapters.smtp.server import SmtpServer
from orderflow.adapters.smtp.sink import MailSink
from orderflow.adapters.sqlite import SqliteStore
from orderflow.adapters.sqlite.mailbox import SqliteMailbox
from orderflow.adapters.sqlite.state import SqliteStateStore
from orderflow.bootstrap import open_engine
from orderflow.bootstrap.catalog import DEFAULT_CATALOG, Product, seed_catalog
from orderflow.errors import OrderflowError
from orderflow.eventbus.clock import Clock, SystemClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.ids import new_uuid
from orderflow.eventbus.topology_file import Plan, apply, parse_topology
from orderflow.runtime.mail import MailRelay
from orderflow.runtime.ports import Mailer, StateStore
from orderflow.runtime.relay import OutboxRelay
from orderflow.runtime.worker import Worker
from orderflow.services.notifications.messages import SENDER
from orderflow.services.notifications.sent import notification_sent
from orderflow.services.topology import SUBSCRIPTIONS, topology_document


@dataclass
class System:
    engine: Engine
    state: StateStore
    mailbox: SqliteMailbox | None = None
    new_id: Callable[[], str] = new_uuid
    relay: OutboxRelay = field(init=False)

    def __post_init__(self) -> None:
        self.relay = OutboxRelay(self.state, self.engine.clock)

    @property
    def clock(self) -> Clock:
        return self.engine.clock

    def worker(
        self,
        name: str,
        *,
        mailer: Mailer | None = None,
        mail_from: str = SENDER,
        wait_time_s: int = 1,
        retry_base_s: int = 1,
    ) -> Worker:
        """The worker of consumer ``name`` (``mailer`` and the address its emails come
        from, ``mail_from``: for the notification consumer)."""
        mail = (
            MailRelay(self.state, mailer, self.clock, sender=mail_from, announce=notification_sent)
            if mailer
            else None
        )
        return Worker(
            SUBSCRIPTIONS[name],
            queues=self.engine.sqs,
            store=self.state,
            clock=self.clock,
            new_id=self.new_id,
            mail=mail,
            wait_time_s=wait_time_s,
            retry_base_s=retry_base_s,
        )

    def close(self) -> None:
        if self.mailbox is not None:
            self.mailbox.close()
        self.engine.store.close()


def open_system(db: str | Path | None = None, *, synchronous: str | None = None) -> System:
    """The system on its SQLite file (see ``open_engine`` for ``db`` and ``synchronous``)."""
    # The services' transactions hold the write lock for a whole batch of handlers: their
    # processes take turns for it (adapters.sqlite.turns).
    engine = open_engine(db, synchronous=synchronous, writer_turns=True)
    store = engine.store
    assert isinstance(store, SqliteStore)
    return System(engine, SqliteStateStore(store, engine), SqliteMailbox(store.path))


def state_of(engine: Engine) -> StateStore | None:
    """The services' state beside an engine opened on its own (None if the engine's store
    keeps no such state), for commands that only opened the engine."""
    store = engine.store
    return SqliteStateStore(store, engine) if isinstance(store, SqliteStore) else None


def memory_system(clock: Clock | None = None, new_id: Callable[[], str] = new_uuid) -> System:
    """The system in memory (one process; for tests)."""
    store = MemoryStore()
    engine = Engine(store, clock or SystemClock(), new_id=new_id)
    return System(engine, MemoryStateStore(store, engine), new_id=new_id)


def install(system: System, catalog: tuple[Product, ...] | list[Product] = DEFAULT_CATALOG) -> Plan:
    """Apply the services' topology and seed the catalog; what changed in the topology."""
    spec = parse_topology(orjson.dumps(topology_document()).decode(), "orderflow services")
    plan = apply(system.engine, spec)
    seed_catalog(system.state, catalog)
    return plan


def smtp_mailer(server: SmtpServer) -> SmtpMailer:
    """The mailer that sends the notification service's emails to ``server``."""
    return SmtpMailer(server)


def mail_sink(system: System, host: str, port: int) -> MailSink:
    """The embedded SMTP server, keeping what it receives in ``system``'s mailbox."""
    if system.mailbox is None:
        raise OrderflowError("This system keeps no mailbox (it runs in memory).")
    return MailSink(system.mailbox, host, port)
