"""``System``: the services' state, the transport that carries their events, and their
wiring, opened as one.

``open_system(db)`` opens the embedded system on a SQLite file (engine and services
share it and its transactions, so the in-engine transport receives, handles,
acknowledges and publishes in one commit; the embedded mail sink keeps its mailbox in a
file of its own). ``open_system(db, aws=AwsConnection(...))`` keeps only the services'
state there (or in memory, ``memory:``) and carries events over the AWS APIs: real
AWS, ``orderflow serve`` elsewhere, or any AWS-compatible endpoint.
``memory_system()`` is the embedded system in memory, for tests.
``install(system)`` applies the services' topology (bus, queues with DLQs, rules,
archive; on the engine, or through the AWS APIs) and seeds the catalog; both are
idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson

from orderflow.adapters.engine import InEngineTransport
from orderflow.adapters.memory import MemoryStore
from orderflow.adapters.memory.state import MemoryStateStore
from orderflow.adapters.smtp.sender import SmtpMailer
from orderflow.adapters.smtp.server import SmtpServer
from orderflow.adapters.sqlite import SqliteStore
from orderflow.adapters.sqlite.mailbox import SqliteMailbox
from orderflow.adapters.sqlite.state import SqliteStateStore
from orderflow.bootstrap import open_engine, storage_location, synchronous_level
from orderflow.bootstrap.apps import Apps, builtin_apps
from orderflow.bootstrap.catalog import DEFAULT_CATALOG, Product, seed_catalog
from orderflow.bootstrap.storage import database_name
from orderflow.errors import OrderflowError
from orderflow.eventbus.clock import Clock, SystemClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.ids import new_uuid
from orderflow.runtime.mail import MailRelay
from orderflow.runtime.ports import Mailer, StateStore
from orderflow.runtime.relay import OutboxRelay
from orderflow.runtime.retention import EventSources
from orderflow.runtime.transport import Transport
from orderflow.runtime.worker import Worker
from orderflow.services.notifications.messages import SENDER
from orderflow.services.notifications.sent import notification_sent

# Imported by the system that needs them, not with the CLI (start-up): boto3 by one that
# talks to AWS, aiosmtpd by one that receives mail, pydantic by one that installs.
if TYPE_CHECKING:
    from orderflow.adapters.aws.clients import AwsConnection
    from orderflow.adapters.smtp.sink import MailSink
    from orderflow.app import App
    from orderflow.eventbus.apis import AwsApis
    from orderflow.eventbus.topology_file import Plan, TopologySpec

POSTGRES_MAILBOXES: Final = Path(".orderflow")
"""Where the embedded mail sink of a system on PostgreSQL keeps its mail (a local file:
the sink stands for a mail server on the host that runs it), as DATABASE.mailbox.db."""

REMOTE_WAIT_S: Final = 20
"""A worker's long poll on the AWS APIs (ReceiveMessage's longest WaitTimeSeconds)."""


class NoEmbeddedEngine(OrderflowError):
    """The system carries its events over the AWS APIs: there is no engine here to ask."""


@dataclass
class System:
    state: StateStore
    transport: Transport
    clock: Clock
    embedded: Engine | None = None
    """The embedded engine, when the system runs on one (``engine``)."""
    mailbox: SqliteMailbox | None = None
    new_id: Callable[[], str] = new_uuid
    remote: AwsConnection | None = None
    """Where the AWS APIs are, when the system runs on them."""
    apps: Apps = field(default_factory=builtin_apps)
    """The applications whose consumers run here: orderflow's own, and any loaded beside."""
    relay: OutboxRelay = field(init=False)
    _closing: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.relay = OutboxRelay(self.state, self.transport, self.clock)

    @property
    def engine(self) -> Engine:
        """The embedded engine (``NoEmbeddedEngine`` on the AWS APIs)."""
        if self.embedded is None:
            where = self.remote.label if self.remote else "a remote endpoint"
            raise NoEmbeddedEngine(
                f"This system's queues and buses are at {where}: ask them there (the AWS "
                "CLI with --endpoint-url, or orderflow with --db on the endpoint's database)."
            )
        return self.embedded

    def worker(
        self,
        name: str,
        *,
        mailer: Mailer | None = None,
        mail_from: str = SENDER,
        wait_time_s: int | None = None,
        retry_base_s: int | None = None,
    ) -> Worker:
        """The worker of consumer ``name`` (``mailer`` and the address its emails come
        from, ``mail_from``: for the notification consumer). ``wait_time_s``: how long a
        receive long-polls (default 1 s on the engine, which then looks again at once,
        and 20 s on the AWS APIs, where each empty receive is a request). ``retry_base_s``:
        the first retry's backoff (default: the consumer's queue settings')."""
        if wait_time_s is None:
            wait_time_s = REMOTE_WAIT_S if self.remote else 1
        mail = (
            MailRelay(
                self.state,
                self.relay,
                mailer,
                self.clock,
                sender=mail_from,
                announce=notification_sent,
            )
            if mailer
            else None
        )
        return Worker(
            self.apps.consumer(name),
            transport=self.transport,
            store=self.state,
            clock=self.clock,
            new_id=self.new_id,
            mail=mail,
            wait_time_s=wait_time_s,
            retry_base_s=retry_base_s,
            contracts=self.apps.contracts,
        )

    def close(self) -> None:
        if self.mailbox is not None:
            self.mailbox.close()
        closing_transport = getattr(self.transport, "close", None)
        if callable(closing_transport):
            closing_transport()
        for closing in self._closing:
            closing()


def open_system(
    db: str | Path | None = None,
    *,
    synchronous: str | None = None,
    aws: AwsConnection | None = None,
    clock: Clock | None = None,
    apps: Apps | None = None,
) -> System:
    """The system on ``db`` (a path or a URL, see ``bootstrap.storage``; ``synchronous`` as
    for ``open_engine``): embedded, or with ``aws`` its events on the AWS APIs there.
    ``clock``: the system's time (the state's; on the engine, the queues' too); ``apps``:
    the applications it runs (default: orderflow's own)."""
    opened = _open_system(db, synchronous, aws, clock)
    if apps is not None:
        opened.apps = apps
    return opened


def _open_system(
    db: str | Path | None, synchronous: str | None, aws: AwsConnection | None, clock: Clock | None
) -> System:
    location = storage_location(db)
    if location.postgres_url is not None:
        return _postgres_system(location.postgres_url, aws, clock)
    if aws is not None:
        return _remote_system(location.path, aws, synchronous, clock or SystemClock())
    if location.path is None:
        return memory_system(clock)
    # The services' transactions hold the write lock for a whole batch of handlers: their
    # processes take turns for it (adapters.sqlite.turns).
    engine = open_engine(location.path, synchronous=synchronous, writer_turns=True, clock=clock)
    store = engine.store
    assert isinstance(store, SqliteStore)
    system = System(
        SqliteStateStore(store, engine),
        InEngineTransport(engine),
        engine.clock,
        embedded=engine,
        mailbox=SqliteMailbox(store.path, synchronous=store.synchronous),
    )
    system._closing.append(store.close)
    return system


def _remote_system(
    path: Path | None, aws: AwsConnection, synchronous: str | None, clock: Clock
) -> System:
    from orderflow.adapters.aws.transport import AwsTransport  # noqa: PLC0415 (see above)

    transport = AwsTransport(aws)
    if path is None:
        memory = MemoryStore()
        system = System(MemoryStateStore(memory), transport, clock, remote=aws)
        system._closing.append(memory.close)
        return system
    store = SqliteStore(path, synchronous=synchronous_level(synchronous), writer_turns=True)
    system = System(
        SqliteStateStore(store),
        transport,
        clock,
        mailbox=SqliteMailbox(store.path, synchronous=store.synchronous),
        remote=aws,
    )
    system._closing.append(store.close)
    return system


def _postgres_system(url: str, aws: AwsConnection | None, clock: Clock | None) -> System:
    """The system on a PostgreSQL database: engine and state in its transactions (the
    in-engine transport), or with ``aws`` the state alone there. Time is the server's,
    so that every host agrees on visibility timeouts, delays and retention."""
    from orderflow.adapters.postgres import (  # noqa: PLC0415 (psycopg: only when asked for)
        DatabaseClock,
        PostgresStateStore,
        PostgresStore,
    )

    store = PostgresStore(url)
    try:
        time = clock or DatabaseClock(store)
        mailbox = SqliteMailbox(
            POSTGRES_MAILBOXES / f"{database_name(url)}.db", synchronous=synchronous_level()
        )
        if aws is not None:
            from orderflow.adapters.aws.transport import AwsTransport  # noqa: PLC0415

            system = System(
                PostgresStateStore(store), AwsTransport(aws), time, mailbox=mailbox, remote=aws
            )
        else:
            engine = Engine(store, time)
            system = System(
                PostgresStateStore(store, engine),
                InEngineTransport(engine),
                time,
                embedded=engine,
                mailbox=mailbox,
            )
    except BaseException:
        store.close()
        raise
    system._closing.append(store.close)
    return system


def state_of(engine: Engine) -> StateStore | None:
    """The services' state beside an engine opened on its own (None if the engine's store
    keeps no such state), for commands that only opened the engine."""
    store = engine.store
    return SqliteStateStore(store, engine) if isinstance(store, SqliteStore) else None


def memory_system(clock: Clock | None = None, new_id: Callable[[], str] = new_uuid) -> System:
    """The embedded system in memory (one process; for tests)."""
    store = MemoryStore()
    engine = Engine(store, clock or SystemClock(), new_id=new_id)
    system = System(
        MemoryStateStore(store, engine),
        InEngineTransport(engine),
        engine.clock,
        embedded=engine,
        new_id=new_id,
    )
    system._closing.append(store.close)
    return system


@contextmanager
def event_sources(system: System) -> Iterator[EventSources]:
    """The buses' archives and the queues that could send the services' events again (what
    retention must outlive): the engine's, or those at the AWS endpoint, for the block."""
    if system.embedded is not None:
        yield system.embedded
        return
    from orderflow.adapters.aws.apis import open_remote_apis  # noqa: PLC0415 (see above)

    assert system.remote is not None
    apis = open_remote_apis(system.remote)
    try:
        yield apis
    finally:
        apis.close()


def app_topology(app: App) -> TopologySpec:
    """What ``app`` owns (``App.topology_document``), as a topology file whose owner is it."""
    from orderflow.eventbus.topology_file import parse_topology  # noqa: PLC0415 (see above)

    return parse_topology(orjson.dumps(app.topology_document()).decode(), f"app {app.name}")


def services_topology(apps: Apps | None = None) -> TopologySpec:
    """The topology ``apps`` need (default: the built-in services alone), as one topology
    file: the one app's own (with its owner), or, for several, each one's side by side
    with no owner (for exports: ``install`` applies each app's own)."""
    from orderflow.eventbus.topology_file import parse_topology  # noqa: PLC0415 (see above)

    chosen = list(apps or builtin_apps())
    if len(chosen) == 1:
        return app_topology(chosen[0])
    merged: dict[str, Any] = {"version": 1}
    for app in chosen:
        for section, resources in app.topology_document().items():
            if section not in ("version", "owner"):
                merged.setdefault(section, {}).update(resources)
    return parse_topology(orjson.dumps(merged).decode(), "orderflow services")


def install(system: System, catalog: tuple[Product, ...] | list[Product] = DEFAULT_CATALOG) -> Plan:
    """Apply the topology of each of the system's applications (on the engine, or through
    the AWS APIs; each app owns what it declares) and seed the catalog; what changed in
    the topology. Processes installing at the same moment all
    start (``converge``)."""
    from orderflow.eventbus.topology_file import Plan, converge  # noqa: PLC0415 (see above)

    specs = [app_topology(app) for app in system.apps]  # orderflow's own first: its bus

    def converged(apis: AwsApis) -> Plan:
        plans = [converge(apis, spec) for spec in specs]
        return Plan(
            tuple(change for each in plans for change in each.changes),
            tuple(item for each in plans for item in each.unmanaged),
            tuple(note for each in plans for note in each.notes),
        )

    if system.embedded is not None:
        plan = converged(system.embedded)
    else:
        from orderflow.adapters.aws.apis import open_remote_apis  # noqa: PLC0415 (see above)

        assert system.remote is not None
        apis = open_remote_apis(system.remote)
        try:
            plan = converged(apis)
        finally:
            apis.close()
    seed_catalog(system.state, catalog)
    return plan


def smtp_mailer(server: SmtpServer) -> SmtpMailer:
    """The mailer that sends the notification service's emails to ``server``."""
    return SmtpMailer(server)


def mail_sink(system: System, host: str, port: int) -> MailSink:
    """The embedded SMTP server, keeping what it receives in ``system``'s mailbox."""
    if system.mailbox is None:
        raise OrderflowError("This system keeps no mailbox (it runs in memory).")
    from orderflow.adapters.smtp.sink import MailSink  # noqa: PLC0415 (see above)

    return MailSink(system.mailbox, host, port)
