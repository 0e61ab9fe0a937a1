"""PostgreSQL benchmark: the order system end to end on SQLite and on PostgreSQL with 1, 2
and 4 processes per consumer, side by side in one run.

Run with ``PYTHONPATH=$PWD/src .venv/bin/python bench/postgres.py`` (``--help`` for the
knobs; ``--json`` for a machine-readable report). ``--backends`` names what is measured, one
after the other on the same machine (default ``sqlite,pg1,pg2,pg4``):

- ``sqlite``: the system on a fresh SQLite file (engine and services in it, as ``orderflow
  up`` runs it): one process per consumer;
- ``pgN``: the system on a fresh PostgreSQL database (created on ``--server`` with
  ``createdb``, dropped with ``dropdb --force`` at the end whatever happens), engine and
  services' state in it, with N processes per consumer (replicas ``inventory-1`` ...
  ``inventory-N``, sharing its queue: FOR UPDATE SKIP LOCKED, LISTEN/NOTIFY long polls).

Each measurement starts its own system as ``orderflow up`` does, with its parts
(``orderflow.entrypoints.system.supervisor``: ``system_parts``, then each worker replicated),
from a temporary folder as working directory (where the embedded mail sink of a system on
PostgreSQL keeps its mailbox, ``.orderflow/DB.mailbox.db``): the topology and the catalog
installed first (bench/orders.py's: one SKU, ``BENCH-1``, whose stock never runs out), then
the mail sink, the HTTP API and the workers (``--no-install``). The clock starts once the API
answers, every worker has logged ``started`` and the system's processes have gone quiet.

Measured (as bench/orders.py measures, reusing its functions):

1. Throughput: ``--orders`` orders through ``POST /orders`` by ``--clients`` concurrent
   keep-alive clients, timed from the first request to the moment every effect of every
   order is done -> orders/s. "Every effect", as orders.py defines it: the order CONFIRMED,
   the email in the sink's mailbox, analytics' NotificationSent PROCESSED in the delivery
   journal (``svc_attempts``); on PostgreSQL read from the database with psycopg (the
   mailbox from the sink's file). The check polls every 20 ms, the cheap count first.
2. Latency: ``--rate`` orders/s for ``--seconds`` (one client, paced); per order, from just
   before its POST to its last effect (the journal's started + duration, the mailbox's
   receive time) -> p50/p90/p99/max; the first ``--warmup`` orders are left out.

During both, the CPU time (utime + stime from ``/proc/PID/stat``) of: the workers, the API,
the mail sink (each part's process), this process (the HTTP clients, the supervisor's log
forwarding, the checks: ``getrusage``), and on PostgreSQL the server's processes: the
sessions on the bench's database (its backends; the bench's own two sessions apart), and
the rest of the server (postmaster, WAL writer, checkpointer, background writer,
autovacuum, and backends that exited, counted in the postmaster's children time). Sessions
on other databases (other people's work on a shared server) are counted apart and left out
of the totals. Also, on PostgreSQL, during the throughput run: ``pg_stat_activity`` of the
bench's database sampled every ``--sample-ms`` (mean number of sessions in each state and
wait event: running, waiting for a lock, waiting for the client inside a transaction,
idle), and ``pg_stat_database`` / ``pg_stat_wal`` before and after (transactions, rows,
WAL records, bytes and syncs per order; ``pg_stat_wal`` is the whole server's).

``--count-statements`` (a diagnostic, slower): the system's processes load
``bench/pgcount/sitecustomize.py``, which counts psycopg statements, pipelines and round
trips per process; the report gives them per order over the throughput run.

``--profile DIR`` (a diagnostic, slower): the throughput run's parts run under cProfile
(``python -m cProfile -o DIR/BACKEND/PART.pstats``): their main thread's own wall-clock
time per order, by area (psycopg's ``wait``: blocked on the server; psycopg's Python;
regular expressions; orderflow; waiting on locks, select, sleep; the rest), over the
process's whole life (start-up and idle waits included): a pointer, not a measurement of
CPU (the figures above are). ``--logs DIR`` keeps each system's log; the report counts
the log's failed deliveries (deadlocks among them), mail not sent, failed rounds, restarts.
Backends may give some consumers another number of processes: ``pg4+analytics=1``.

Every loop is bounded by a count and a deadline; each measurement's processes are stopped
and its database dropped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import pstats
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import psycopg
from rich.console import Console
from rich.table import Table

from orderflow.adapters.sqlite.mailbox import mailbox_path
from orderflow.bootstrap import TRANSPORT_ENVIRONMENT
from orderflow.bootstrap.catalog import Product
from orderflow.bootstrap.system import POSTGRES_MAILBOXES, install, open_system
from orderflow.entrypoints.system.ports import free_port
from orderflow.entrypoints.system.supervisor import Part, Supervisor, system_parts
from orderflow.services.topology import SUBSCRIPTIONS

# ``python bench/postgres.py`` puts bench/ first on sys.path: orders.py's functions are shared.
from orders import CLOCK_TICKS, ORDER, machine_ticks, opened, percentile, post_orders
from orders import effects_done as sqlite_effects_done
from orders import last_effects as sqlite_last_effects

CATALOG: Final = [Product("BENCH-1", "Bench item", Decimal("10.00"), 100_000_000)]
"""bench/orders.py's catalog: its one SKU, with stock that never runs out."""
COUNTER: Final = Path(__file__).resolve().parent / "pgcount"
COUNT_ENVIRONMENT: Final = "ORDERFLOW_BENCH_COUNT_DIR"
READY_TIMEOUT_S: Final = 90.0
QUIET_TIMEOUT_S: Final = 15.0
QUIET_CORES: Final = 0.15
"""The system counts as started once its processes use less than this many cores."""
POLL_S: Final = 0.02
STOP_GRACE_S: Final = 20.0
TROUBLES: Final = {
    "FAILED (": "failed deliveries",
    "DeadlockDetected": "of which deadlocks",
    "mail not sent": "mail not sent",
    "round failed": "rounds failed",
    "exited with status": "parts restarted",
}
"""What the system's log says went wrong: a word of the line, and what it counts."""
BACKEND_RE: Final = re.compile(r"^(sqlite|pg)(\d*)$")


# -- backends and databases ---------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    name: str
    postgres: bool
    per_consumer: int
    overrides: tuple[tuple[str, int], ...] = ()
    """Consumers run with another number of processes (``pg4+analytics=1``)."""

    def processes(self, consumer: str) -> int:
        return dict(self.overrides).get(consumer, self.per_consumer)


def parse_backends(text: str) -> list[Backend]:
    """``sqlite``, ``sqliteN``, ``pgN``, each optionally with ``+CONSUMER=N`` overrides."""
    backends = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        head, *rest = item.split("+")
        found = BACKEND_RE.match(head)
        overrides = []
        for override in rest:
            consumer, _, number = override.partition("=")
            if consumer not in SUBSCRIPTIONS or not number.isdigit() or int(number) < 1:
                raise argparse.ArgumentTypeError(f"{override!r}: CONSUMER=N, N >= 1")
            overrides.append((consumer, int(number)))
        if found is None or int(found[2] or 1) < 1:
            raise argparse.ArgumentTypeError(f"{item!r}: sqlite, sqliteN, pgN (N >= 1)")
        backends.append(Backend(item, found[1] == "pg", int(found[2] or 1), tuple(overrides)))
    return backends


def database_url(server: str, name: str) -> str:
    """``server`` (a PostgreSQL URL; its database, if any, ignored) naming ``name``."""
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def pg_tool(tool: str, server: str, *arguments: str) -> None:
    """``createdb`` or ``dropdb`` on ``server``'s host, port and user."""
    parts = urlsplit(server)
    command = [
        tool,
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
        *arguments,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")


@contextlib.contextmanager
def fresh_database(backend: Backend, folder: Path, server: str, label: str) -> Iterator[str]:
    """The ``--db`` of a fresh store: a new SQLite file in ``folder``, or a new PostgreSQL
    database, dropped (``--force``: whatever still holds a session) on the way out."""
    if not backend.postgres:
        yield str(folder / "bench.db")
        return
    name = re.sub(r"[^a-z0-9_]", "_", f"orderflow_bench_{os.getpid()}_{label}")
    pg_tool("createdb", server, name)
    try:
        yield database_url(server, name)
    finally:
        pg_tool("dropdb", server, "--force", "--if-exists", name)


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# -- effects ------------------------------------------------------------------------------


class SqliteEffects:
    """orders.py's queries on the system's SQLite file (and its mailbox)."""

    def __init__(self, db: str) -> None:
        self.db = Path(db)
        self.excluded_pids: set[int] = set()

    def _count(self, query: str) -> int:
        with contextlib.closing(opened(self.db)) as connection:
            return int(connection.execute(query).fetchone()[0])

    def mails(self) -> int:
        return self._count("SELECT COUNT(*) FROM mail.mailbox")

    def recorded(self) -> int:
        return self._count(
            "SELECT COUNT(*) FROM svc_attempts WHERE consumer = 'analytics' "
            "AND detail_type = 'NotificationSent' AND outcome = 'PROCESSED'"
        )

    def confirmed(self) -> int:
        return self._count(
            "SELECT COUNT(*) FROM svc_documents WHERE kind = 'orders.order' "
            "AND json_extract(body, '$.status') = 'CONFIRMED'"
        )

    def done(self) -> tuple[int, int, int]:
        return sqlite_effects_done(self.db)

    def last_effects(self) -> dict[str, float]:
        return sqlite_last_effects(self.db)

    def close(self) -> None:
        pass


class PostgresEffects:
    """The same queries on the PostgreSQL database (psycopg), the mailbox from the sink's
    file (``.orderflow/DB.mailbox.db`` in the system's working directory)."""

    def __init__(self, url: str, folder: Path) -> None:
        self.connection = psycopg.connect(url, autocommit=True)
        self.mailbox = mailbox_path(folder / POSTGRES_MAILBOXES / f"{database_of(url)}.db")
        self.excluded_pids = {self.connection.info.backend_pid}

    def _pg(self, query: str) -> int:
        row = self.connection.execute(query).fetchone()
        assert row is not None
        return int(row[0])

    def _mailbox(self) -> sqlite3.Connection | None:
        if not self.mailbox.exists():  # until the sink has received its first email
            return None
        return sqlite3.connect(f"file:{self.mailbox}?mode=ro", uri=True, timeout=10)

    def mails(self) -> int:
        connection = self._mailbox()
        if connection is None:
            return 0
        with contextlib.closing(connection):
            return int(connection.execute("SELECT COUNT(*) FROM mailbox").fetchone()[0])

    def recorded(self) -> int:
        return self._pg(
            "SELECT count(*) FROM svc_attempts WHERE consumer = 'analytics' "
            "AND detail_type = 'NotificationSent' AND outcome = 'PROCESSED'"
        )

    def confirmed(self) -> int:
        return self._pg(
            "SELECT count(*) FROM svc_documents WHERE kind = 'orders.order' "
            "AND (body::jsonb) ->> 'status' = 'CONFIRMED'"
        )

    def done(self) -> tuple[int, int, int]:
        return self.confirmed(), self.mails(), self.recorded()

    def last_effects(self) -> dict[str, float]:
        ends: dict[str, float] = {
            correlation: float(end)
            for correlation, end in self.connection.execute(
                "SELECT correlation_id, MAX(started_ms + duration_ms) FROM svc_attempts "
                "GROUP BY correlation_id"
            ).fetchall()
        }
        received: dict[str, int] = {}
        connection = self._mailbox()
        if connection is not None:
            with contextlib.closing(connection):
                received = dict(
                    connection.execute("SELECT message_id, received_ms FROM mailbox").fetchall()
                )
        for correlation, message_id in self.connection.execute(
            "SELECT correlation_id, message_id FROM svc_mail_outbox"
        ).fetchall():
            if message_id in received:
                ends[correlation] = max(ends.get(correlation, 0.0), float(received[message_id]))
        return {correlation: ms / 1000 for correlation, ms in ends.items()}

    def close(self) -> None:
        self.connection.close()


Effects = SqliteEffects | PostgresEffects


def wait_all_done(effects: Effects, total: int, timeout_s: float) -> float | None:
    """When every effect of ``total`` orders is done (monotonic), or None at the deadline;
    the emails first (the sink's file: the cheapest), then the journal, then the orders."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        # ``and`` stops at the first count short of the total
        if (
            effects.mails() >= total
            and effects.recorded() >= total
            and effects.confirmed() >= total
        ):
            return time.monotonic()
        time.sleep(POLL_S)
    return None


# -- CPU ----------------------------------------------------------------------------------


def _stat_fields(pid: int | str) -> list[str] | None:
    """Fields 3.. of /proc/PID/stat (proc(5)), or None if the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def process_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[11]) + int(fields[12])


def postgres_ticks(database: str, excluded: set[int]) -> dict[str, dict[int, int]]:
    """CPU ticks of the PostgreSQL server's processes on this machine, by group:
    ``backends`` (sessions on ``database``, but ``excluded``), ``bench`` (those),
    ``server`` (the postmaster, with its exited children, and the background processes:
    WAL writer, checkpointer, background writer, autovacuum), ``elsewhere`` (sessions on
    other databases)."""
    groups: dict[str, dict[int, int]] = {"backends": {}, "bench": {}, "server": {}, "elsewhere": {}}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        fields = _stat_fields(entry.name)
        if fields is None:
            continue
        pid, ticks = int(entry.name), int(fields[11]) + int(fields[12])
        if not command.startswith("postgres:"):  # the postmaster: with its exited children
            groups["server"][pid] = ticks + int(fields[13]) + int(fields[14])
            continue
        words = command.split()
        if "autovacuum" in command or len(words) < 4 or "(" not in command:
            groups["server"][pid] = ticks  # background processes (no client address)
        elif f" {database} " in f" {command} ":
            groups["bench" if pid in excluded else "backends"][pid] = ticks
        else:
            groups["elsewhere"][pid] = ticks
    return groups


class CpuMeter:
    """CPU seconds of the system's parts by kind, this process's, and the PostgreSQL
    server's, between ``__init__`` and ``used``; the machine's busy cores meanwhile."""

    def __init__(self, running: RunningSystem) -> None:
        self.running = running
        self.before = self._read()

    def _read(self) -> dict[str, Any]:
        parts: dict[str, dict[int, int]] = {}
        for part in self.running.supervisor.parts:
            if part.process is None:
                continue
            ticks = process_ticks(part.process.pid)
            if ticks is not None:
                kind = part.arguments[1] if part.arguments[0] == "worker" else part.arguments[0]
                parts.setdefault(kind, {})[part.process.pid] = ticks
        usage = resource.getrusage(resource.RUSAGE_SELF)
        postgres = (
            postgres_ticks(self.running.database, self.running.effects.excluded_pids)
            if self.running.database
            else {}
        )
        return {
            "parts": parts,
            "postgres": postgres,
            "bench": usage.ru_utime + usage.ru_stime,
            "machine": machine_ticks(),
        }

    @staticmethod
    def _delta(before: dict[int, int], after: dict[int, int]) -> float:
        """Seconds used by the processes in ``after`` (a new one: all its time)."""
        return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / CLOCK_TICKS

    def used(self, orders: int) -> dict[str, Any]:
        after, before = self._read(), self.before
        consumers = {
            kind: self._delta(before["parts"].get(kind, {}), ticks)
            for kind, ticks in after["parts"].items()
            if kind not in ("api", "mail-sink")
        }
        seconds: dict[str, float] = {
            "workers": sum(consumers.values()),
            "api": self._delta(before["parts"].get("api", {}), after["parts"].get("api", {})),
            "mail_sink": self._delta(
                before["parts"].get("mail-sink", {}), after["parts"].get("mail-sink", {})
            ),
            "bench": after["bench"] - before["bench"],
        }
        elsewhere = None
        if after["postgres"]:
            for group, name in (("backends", "pg_backends"), ("server", "pg_server")):
                seconds[name] = self._delta(before["postgres"][group], after["postgres"][group])
            seconds["bench_sessions"] = self._delta(
                before["postgres"]["bench"], after["postgres"]["bench"]
            )
            elsewhere = self._delta(before["postgres"]["elsewhere"], after["postgres"]["elsewhere"])
        (busy, total), (busy0, total0) = after["machine"], before["machine"]
        per_order = max(orders, 1)
        return {
            "cpu_s": {name: round(value, 3) for name, value in seconds.items()},
            "cpu_ms_per_order": {
                name: round(value * 1000 / per_order, 3) for name, value in seconds.items()
            },
            "consumers_cpu_ms_per_order": {
                name: round(value * 1000 / per_order, 3) for name, value in consumers.items()
            },
            "pg_elsewhere_cpu_s": None if elsewhere is None else round(elsewhere, 3),
            "cores_busy": round((busy - busy0) / max(total - total0, 1) * (os.cpu_count() or 1), 2),
        }


# -- PostgreSQL statistics ----------------------------------------------------------------


class ActivitySampler:
    """``pg_stat_activity`` of the bench's database every ``interval_s``, on a thread of
    its own, until stopped: how many client sessions were in each state / wait event."""

    def __init__(self, url: str, interval_s: float, excluded: set[int]) -> None:
        self.connection = psycopg.connect(url, autocommit=True)
        excluded.add(self.connection.info.backend_pid)
        self.excluded = excluded
        self.database = database_of(url)
        self.interval_s = interval_s
        self.states: Counter[str] = Counter()
        self.samples = 0
        self.most_sessions = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-activity", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        query = (
            "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE datname = %s AND backend_type = 'client backend'"
        )
        while not self._stop.wait(self.interval_s):
            rows = self.connection.execute(query, (self.database,)).fetchall()
            sessions = [row for row in rows if row[0] not in self.excluded]
            self.samples += 1
            self.most_sessions = max(self.most_sessions, len(sessions))
            for _, state, kind, event in sessions:
                self.states[describe(state, kind, event)] += 1

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join(timeout=10)
        self.connection.close()
        samples = max(self.samples, 1)
        return {
            "samples": self.samples,
            "most_sessions": self.most_sessions,
            "mean_sessions": {
                state: round(count / samples, 2) for state, count in self.states.most_common()
            },
        }


def describe(state: str | None, kind: str | None, event: str | None) -> str:
    """One session's sample, in words."""
    if state == "active":
        if kind is None:
            return "running a statement (CPU)"
        return f"in a statement, waiting: {kind}/{event}"
    if state == "idle in transaction":
        return "in a transaction, waiting for the client"
    if state == "idle":
        return "idle (between transactions, or LISTEN)"
    return f"{state}: {kind}/{event}"


DATABASE_STATS: Final = (
    "xact_commit",
    "xact_rollback",
    "tup_returned",
    "tup_fetched",
    "tup_inserted",
    "tup_updated",
    "tup_deleted",
    "deadlocks",
    "blks_read",
    "blks_hit",
)
WAL_STATS: Final = ("wal_records", "wal_fpi", "wal_bytes", "wal_write", "wal_sync")


def database_stats(url: str) -> dict[str, int]:
    """``pg_stat_database`` of the database, ``pg_stat_wal`` of the server (cumulative)."""
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            f"SELECT {', '.join(DATABASE_STATS)} FROM pg_stat_database WHERE datname = %s",
            (database_of(url),),
        ).fetchone()
        wal = connection.execute(f"SELECT {', '.join(WAL_STATS)} FROM pg_stat_wal").fetchone()
    assert row is not None and wal is not None
    return {
        **dict(zip(DATABASE_STATS, map(int, row), strict=True)),
        **dict(zip(WAL_STATS, map(int, wal), strict=True)),
    }


def per_order(before: dict[str, int], after: dict[str, int], orders: int) -> dict[str, float]:
    return {name: round((after[name] - before[name]) / max(orders, 1), 2) for name in after}


def statement_counts(folder: Path) -> dict[int, dict[str, Any]]:
    """What each process of the system counted so far (``--count-statements``)."""
    counts = {}
    for path in folder.glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            counts[int(path.stem)] = json.loads(path.read_text())
    return counts


def statements_per_order(
    before: dict[int, dict[str, Any]],
    after: dict[int, dict[str, Any]],
    kinds: dict[int, str],
    orders: int,
) -> dict[str, Any]:
    """Per process kind: the counts' increase over the window, per order."""
    totals: dict[str, Counter[str]] = {}
    statements: Counter[str] = Counter()
    for pid, report in after.items():
        kind = kinds.get(pid)
        if kind is None:  # not one of the system's parts (the install, gone since)
            continue
        old = before.get(pid, {"counts": {}, "by_statement": {}})
        counter = totals.setdefault(kind, Counter())
        for name, value in report["counts"].items():
            counter[name] += value - old["counts"].get(name, 0)
        for text, value in report["by_statement"].items():
            statements[text] += value - old["by_statement"].get(text, 0)
    scale = max(orders, 1)
    every: Counter[str] = Counter()
    for counter in totals.values():
        every.update(counter)
    return {
        "by_kind": {
            kind: {name: round(value / scale, 2) for name, value in sorted(counter.items())}
            for kind, counter in sorted(totals.items())
        },
        "total": {name: round(value / scale, 2) for name, value in sorted(every.items())},
        "top_statements": {
            text: round(value / scale, 2) for text, value in statements.most_common(25) if value
        },
    }


# -- the running system -------------------------------------------------------------------


@dataclass
class RunningSystem:
    db: str
    folder: Path
    supervisor: Supervisor
    port: int
    effects: Effects
    database: str | None
    """The PostgreSQL database's name (None on SQLite)."""
    log_path: Path
    started: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Path | None = None
    after_stop: list[Callable[[], None]] = field(default_factory=list)
    """Run once the parts have stopped, before the database is dropped."""
    troubles: Counter[str] = field(default_factory=Counter)
    """Log lines that say something went wrong, by kind (``TROUBLES``)."""

    def kinds(self) -> dict[int, str]:
        return {
            part.process.pid: (
                part.arguments[1] if part.arguments[0] == "worker" else part.arguments[0]
            )
            for part in self.supervisor.parts
            if part.process is not None
        }

    def restarts(self) -> int:
        return sum(part.restarts for part in self.supervisor.parts)


@dataclass
class ProfilingSupervisor(Supervisor):
    """The parts run under cProfile (their main thread), into ``folder/PART.pstats``."""

    folder: Path = Path()

    def command(self, part: Part) -> list[str]:
        profile = ["-m", "cProfile", "-o", str(self.folder / f"{part.name}.pstats")]
        return [sys.executable, *profile, "-m", "orderflow", "--db", str(self.db), *part.arguments]


def parts_for(backend: Backend, port: int, sink_port: int) -> list[Part]:
    """``orderflow up``'s parts (``system_parts``), each worker ``per_consumer`` times."""
    parts = []
    for part in system_parts(
        host="127.0.0.1",
        port=port,
        smtp=None,
        sink_port=sink_port,
        workers=list(SUBSCRIPTIONS),
    ):
        count = backend.processes(part.arguments[1]) if part.arguments[0] == "worker" else 1
        if count == 1:
            parts.append(part)
            continue
        parts.extend(
            Part(f"{part.name}-{number}", list(part.arguments)) for number in range(1, count + 1)
        )
    return parts


def health(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def system_cores(running: RunningSystem, seconds: float) -> float:
    """Cores the system's parts used over the next ``seconds``."""

    def ticks() -> int:
        pids = running.kinds()
        return sum(process_ticks(pid) or 0 for pid in pids)

    before = ticks()
    time.sleep(seconds)
    return (ticks() - before) / CLOCK_TICKS / seconds


@contextlib.contextmanager
def running(
    backend: Backend,
    folder: Path,
    server: str,
    label: str,
    *,
    count_statements: bool,
    logs: Path | None,
    profiles: Path | None = None,
) -> Iterator[RunningSystem]:
    """The system on a fresh store, started, every worker polling, the machine quiet again;
    stopped (and its database dropped) on the way out, whatever happened."""
    folder.mkdir()
    home = Path.cwd()
    with contextlib.ExitStack() as stack:
        db = stack.enter_context(fresh_database(backend, folder, server, label))
        os.chdir(folder)  # the parts' working directory: the PostgreSQL mailbox is there
        stack.callback(os.chdir, home)
        counts = None
        if count_statements:
            counts = folder / "statements"
            counts.mkdir()
            stack.enter_context(counting(counts))
        system = open_system(db)
        try:
            install(system, CATALOG)
        finally:
            system.close()
        port, sink_port = free_port(), free_port()
        log_path = folder / "system.log"
        if logs is not None:  # once the parts have stopped and the log is closed
            logs.mkdir(parents=True, exist_ok=True)
            stack.callback(shutil.copyfile, log_path, logs / f"{folder.name}.log")
        log = stack.enter_context(log_path.open("w"))
        started: set[str] = set()
        lock = threading.Lock()
        troubles: Counter[str] = Counter()

        def emit(name: str, lines: list[str]) -> None:
            with lock:
                log.write("\n".join(f"{name}: {line}" for line in lines) + "\n")
                for line in lines:
                    if line.rstrip().endswith(" started"):
                        started.add(name)
                    for word, trouble in TROUBLES.items():
                        if word in line:
                            troubles[trouble] += 1

        parts = parts_for(backend, port, sink_port)
        if profiles is not None:
            profiles.mkdir(parents=True, exist_ok=True)
        supervisor = (
            Supervisor(db, parts, emit)
            if profiles is None
            else ProfilingSupervisor(db, parts, emit, folder=profiles)
        )
        effects: Effects = PostgresEffects(db, folder) if backend.postgres else SqliteEffects(db)
        stack.callback(effects.close)
        after_stop: list[Callable[[], None]] = []
        stack.callback(lambda: [hook() for hook in after_stop])
        stack.callback(supervisor.stop, STOP_GRACE_S)
        supervisor.start()
        system_running = RunningSystem(
            db,
            folder,
            supervisor,
            port,
            effects,
            database_of(db) if backend.postgres else None,
            log_path,
            started,
            lock,
            counts,
            after_stop,
            troubles,
        )
        workers = {p.name for p in supervisor.parts if p.arguments[0] == "worker"}
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not (health(port) and workers <= started):
            if time.monotonic() > deadline:
                missing = sorted(workers - started)
                raise SystemExit(f"{backend.name}: not started ({missing}); see {log_path}")
            time.sleep(0.2)
        quiet_by = time.monotonic() + QUIET_TIMEOUT_S
        while system_cores(system_running, 0.5) > QUIET_CORES and time.monotonic() < quiet_by:
            pass
        yield system_running


@contextlib.contextmanager
def counting(folder: Path) -> Iterator[None]:
    """The system's processes count their statements into ``folder`` for the block."""
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", COUNT_ENVIRONMENT)}
    paths = [*filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)), str(COUNTER)]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    os.environ[COUNT_ENVIRONMENT] = str(folder)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# -- measurements -------------------------------------------------------------------------


def throughput(args: argparse.Namespace, folder: Path, backend: Backend) -> dict[str, Any]:
    with running(
        backend,
        folder / f"throughput-{backend.name}",
        args.server,
        f"t_{backend.name}",
        count_statements=args.count_statements,
        logs=args.logs,
        profiles=None if args.profile is None else args.profile / backend.name,
    ) as system:
        starts: dict[str, float] = {}
        lock = threading.Lock()
        per_client = args.orders // args.clients
        total = per_client * args.clients
        stats: dict[str, dict[str, int]] = {}
        if system.database:
            stats["before"] = database_stats(system.db)
            # Read once every session has ended, and so flushed its statistics (they then
            # include the wait for the last effect and the drain: a second of idle polls).
            db = system.db
            system.after_stop.append(lambda: stats.update(after=database_stats(db)))
        sampler = None
        if system.database:
            sampler = ActivitySampler(
                system.db, args.sample_ms / 1000, system.effects.excluded_pids
            )
        counted_before = statement_counts(system.counts) if system.counts else None
        meter = CpuMeter(system)
        activity = None
        try:
            if sampler is not None:
                sampler.start()
            began = time.monotonic()
            threads = [
                threading.Thread(target=post_orders, args=(system.port, per_client, starts, lock))
                for _ in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            accepted = time.monotonic()
            done = wait_all_done(system.effects, total, args.timeout)
            cpu = meter.used(total)
        finally:
            if sampler is not None:
                activity = sampler.stop()
        counted = None
        if system.counts is not None and counted_before is not None:
            counted = statements_per_order(
                counted_before, statement_counts(system.counts), system.kinds(), total
            )
        result: dict[str, Any] = {
            "orders": total,
            "api_seconds": accepted - began,
            "seconds": None if done is None else done - began,
            "orders_per_s": None if done is None else total / (done - began),
            "done": system.effects.done(),
            "waited_s": round(time.monotonic() - began, 1),
            "restarts": system.restarts(),
            "troubles": dict(system.troubles),
            **cpu,
        }
        if activity is not None:
            result["activity"] = activity
        if counted is not None:
            result["statements_per_order"] = counted
    if "after" in stats:
        result["pg_stats_per_order"] = per_order(stats["before"], stats["after"], total)
    if args.profile is not None:
        result["profile"] = profile_summary(args.profile / backend.name, total)
    return result


def profile_area(function: tuple[str, int, str]) -> str:
    """Where a profiled function's own time goes, in a few words."""
    filename, _, name = function
    if "psycopg" in filename and name == "wait":
        return "psycopg wait (blocked on the server: round trips)"
    if "/re/" in filename or "re.Pattern" in name or "re.Match" in name:
        return "re (regular expressions)"
    if "site-packages/psycopg" in filename:
        return "psycopg, psycopg_pool (Python)"
    if "/orderflow/" in filename:
        return "orderflow"
    if any(word in name for word in ("acquire", "select", "sleep", "poll")):
        return "waiting (locks, select, sleep)"
    return "other (stdlib, uvicorn, orjson, ...)"


def profile_summary(folder: Path, orders: int) -> dict[str, Any]:
    """Per part kind: the main thread's own time per order by area, and the top functions
    (the whole life of each process: start-up, the run, the drain)."""
    by_kind: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.pstats")):
        name = path.stem
        kind = re.sub(r"-\d+$", "", name)
        by_kind.setdefault(kind, []).append(path)
    summary: dict[str, Any] = {}
    for kind, paths in by_kind.items():
        stats = pstats.Stats(*(str(path) for path in paths))
        areas: Counter[str] = Counter()
        functions: Counter[str] = Counter()
        for function, (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            areas[profile_area(function)] += own
            filename, line, name = function
            functions[f"{Path(filename).name}:{line}({name})"] += own
        scale = 1000 / max(orders, 1)
        summary[kind] = {
            "own_ms_per_order": {area: round(ms * scale, 3) for area, ms in areas.most_common()},
            "top": {name: round(ms * scale, 3) for name, ms in functions.most_common(12)},
        }
    return summary


def latency(args: argparse.Namespace, folder: Path, backend: Backend) -> dict[str, Any]:
    with running(
        backend,
        folder / f"latency-{backend.name}",
        args.server,
        f"l_{backend.name}",
        count_statements=False,
        logs=args.logs,
    ) as system:
        connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=30)
        body = json.dumps(ORDER)
        count = int(args.rate * args.seconds)
        starts: dict[str, float] = {}
        meter = CpuMeter(system)
        began = time.monotonic()
        for n in range(count):
            pause = began + n / args.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            started = time.time()
            connection.request("POST", "/orders", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = json.loads(response.read())
            if response.status != 201:
                raise SystemExit(f"POST /orders answered {response.status}: {payload}")
            starts[payload["correlationId"]] = started
        connection.close()
        done = wait_all_done(system.effects, count, args.timeout)
        cpu = meter.used(count)
        ends = system.effects.last_effects()
        troubles = dict(system.troubles)
    latencies = [(ends[c] - start) * 1000 for c, start in starts.items() if c in ends][
        args.warmup :
    ]
    if not latencies:
        raise SystemExit(f"latency ({backend.name}): no order reached its effects")
    return {
        "orders": count,
        "measured": len(latencies),
        "complete": done is not None,
        "p50_ms": percentile(latencies, 0.5),
        "p90_ms": percentile(latencies, 0.9),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "troubles": troubles,
        **cpu,
    }


# -- report -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def server_version(server: str) -> str | None:
    try:
        with psycopg.connect(database_url(server, "postgres"), autocommit=True) as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return None if row is None else str(row[0])


CPU_COLUMNS: Final = (
    ("workers", "workers"),
    ("api", "API"),
    ("mail_sink", "sink"),
    ("pg_backends", "PG backends"),
    ("pg_server", "PG other"),
    ("bench", "bench"),
)


def print_report(report: dict[str, Any], args: argparse.Namespace) -> None:
    console = Console(width=max(140, Console().width))
    console.print(f"machine: {report['machine']}")
    table = Table(title="Orders: HTTP create → every effect done, SQLite vs PostgreSQL")
    for column in ("backend", "processes/consumer", "orders/s", "p50 ms", "p90 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "backend" else "right")
    table.add_column("CPU ms/order (throughput): " + " / ".join(c for _, c in CPU_COLUMNS))
    table.add_column("cores busy", justify="right")
    for name, measured in report["backends"].items():
        t, lat = measured.get("throughput"), measured.get("latency")
        others = {c: n for c, n in measured["processes"].items() if n != measured["per_consumer"]}
        shown = ", ".join(f"{consumer} {n}" for consumer, n in others.items())
        cells = [name, f"{measured['per_consumer']}" + (f" ({shown})" if shown else "")]
        if t is None:
            cells.append("-")
        else:
            rate = t["orders_per_s"]
            if rate is None:
                cells.append(f"INCOMPLETE: {min(t['done'])} of {t['orders']} in {t['waited_s']} s")
            else:
                cells.append(f"{rate:,.0f}")
        names = ("p50", "p90", "p99")
        cells += ["-"] * 3 if lat is None else [f"{lat[n + '_ms']:.1f}" for n in names]
        if t is None:
            cells += ["-", "-"]
        else:
            cpu = t["cpu_ms_per_order"]
            cells.append(
                " / ".join(f"{cpu[key]:.2f}" if key in cpu else "-" for key, _ in CPU_COLUMNS)
            )
            cells.append(f"{t['cores_busy']:.2f}")
        table.add_row(*cells)
    console.print(table)
    console.print(
        f"throughput: {args.orders} orders by {args.clients} clients; latency: "
        f"{args.rate:g} orders/s for {args.seconds:g} s, the first {args.warmup} left out"
    )
    for name, measured in report["backends"].items():
        t, lat = measured.get("throughput"), measured.get("latency")
        if t is not None:
            console.print(
                f"[bold]{name}[/]: API took the orders in {t['api_seconds']:.1f} s; done "
                f"{t['done']} (confirmed, mails, NotificationSent); in the log {t['troubles']}; "
                f"workers' CPU ms/order by consumer {t['consumers_cpu_ms_per_order']}"
                + (
                    ""
                    if t.get("pg_elsewhere_cpu_s") is None
                    else f"; CPU of other databases' sessions meanwhile {t['pg_elsewhere_cpu_s']} s"
                )
            )
            if "activity" in t:
                console.print(f"  sessions (mean of samples): {t['activity']}")
            if "pg_stats_per_order" in t:
                console.print(f"  per order: {t['pg_stats_per_order']}")
            if "statements_per_order" in t:
                console.print(f"  statements per order: {t['statements_per_order']}")
        if lat is not None:
            console.print(
                f"  latency run: {lat['measured']} measured, complete {lat['complete']}, "
                f"in the log {lat['troubles']}, max "
                f"{lat['max_ms']:.1f} ms; CPU ms/order {lat['cpu_ms_per_order']}, cores busy "
                f"{lat['cores_busy']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--backends",
        type=parse_backends,
        default=parse_backends("sqlite,pg1,pg2,pg4"),
        help="comma-separated: sqlite, sqliteN, pgN (N processes per consumer), each "
        "optionally +CONSUMER=N (pg4+analytics=1: analytics on one process)",
    )
    parser.add_argument(
        "--server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="the PostgreSQL server the pgN runs create their databases on",
    )
    parser.add_argument("--orders", type=int, default=3000, help="orders for the throughput run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--rate", type=float, default=50.0, help="orders/s for the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="latency run length")
    parser.add_argument("--warmup", type=int, default=20, help="first orders left out of latency")
    parser.add_argument("--timeout", type=float, default=180.0, help="give up after this long")
    parser.add_argument("--sample-ms", type=float, default=20.0, help="pg_stat_activity period")
    parser.add_argument("--measure", default="throughput,latency")
    parser.add_argument(
        "--count-statements",
        action="store_true",
        help="diagnostic: count the system's psycopg statements during the throughput run",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="diagnostic: run the throughput run's parts under cProfile into DIR/BACKEND/",
    )
    parser.add_argument("--logs", type=Path, default=None, help="keep the systems' logs here")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    args = parser.parse_args()
    os.environ[TRANSPORT_ENVIRONMENT] = "engine"  # the parts inherit the environment
    os.environ.pop("AWS_ENDPOINT_URL", None)
    facts = machine()
    if any(backend.postgres for backend in args.backends):
        facts["postgresql"] = server_version(args.server)
    report: dict[str, Any] = {
        "machine": facts,
        "backends": {
            b.name: {
                "per_consumer": b.per_consumer,
                "processes": {name: b.processes(name) for name in SUBSCRIPTIONS},
            }
            for b in args.backends
        },
    }
    progress = Console(stderr=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="orderflow-bench-pg-") as folder:
        for measure, function, what in (
            ("throughput", throughput, f"{args.orders} orders, {args.clients} clients"),
            ("latency", latency, f"{args.rate:g} orders/s for {args.seconds:g} s"),
        ):
            if measure not in args.measure:
                continue
            for backend in args.backends:
                progress.print(f"{measure} ({backend.name}): {what} …")
                report["backends"][backend.name][measure] = function(args, Path(folder), backend)
    facts["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    facts["run_seconds"] = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print_report(report, args)


if __name__ == "__main__":
    main()
