"""Orders benchmark: orders through the whole running system, HTTP create to every effect.

Run with ``.venv/bin/python bench/orders.py`` (``--help`` for the knobs). It starts the
system as ``orderflow up`` does (the HTTP API, the SMTP sink and the five consumers, each
its own process, on a fresh SQLite file in a temporary folder, with a catalog whose stock
never runs out), then measures, on each transport ``--transport`` names (both by default,
one after the other on the same machine):

- ``engine``: ``orderflow up``, the events carried by the embedded engine in the same
  SQLite file as the services' state;
- ``aws``: ``orderflow serve`` (the AWS-compatible endpoint) on a free port over a fresh
  SQLite file of its own, and ``orderflow up --aws --endpoint-url`` pointed at it: the
  services' state (the delivery journal, the sink's mailbox) stays in ``--db``, their
  events go over HTTP (SQS ReceiveMessage and DeleteMessageBatch, EventBridge PutEvents,
  through boto3), the workers long-polling 5 s as ``up --aws`` has them.

1. Throughput: ``--orders`` orders created through ``POST /orders`` by ``--clients``
   concurrent HTTP clients (keep-alive), as fast as the API takes them. Timed from the
   first request to the moment every effect of every order is done -> orders/s.
2. Latency: orders created at ``--rate`` orders/s (one client, paced on a monotonic
   schedule) for ``--seconds``; for each order, the time from just before its POST to its
   last effect -> p50/p90/p99/max in ms.

"Every effect" of an in-stock order: the order CONFIRMED (order-processing handled
InventoryReserved), stock reserved (inventory), the confirmation email received by the
SMTP sink, and analytics having recorded OrderCreated, InventoryReserved and
NotificationSent, i.e. every delivery the order's journey causes, done. Effect times come
from the delivery journal (each attempt's start + duration) and the sink's receive time;
they share the machine's clock with the client. During the throughput run the CPU time of
the system's processes and of the endpoint's is read from ``/proc`` (ms per order), and the
machine's busy cores from ``/proc/stat`` (all of the machine's work, not only the bench's).
Every loop is bounded by a count and a deadline; each measurement starts its own system (and
endpoint), stopped at the end whatever happens. ``--json`` prints ``{"machine",
"transports": {name: {"throughput", "latency"}}}``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from rich.console import Console
from rich.table import Table

from orderflow.adapters.sqlite.mailbox import mailbox_path
from orderflow.bootstrap import TRANSPORT_ENVIRONMENT
from orderflow.entrypoints.system.ports import free_port

ORDER: Final = {
    "customer": {"userId": "bench", "isRefundEligible": True},
    "currency": "USD",
    "channel": "web",
    "items": [{"sku": "BENCH-1", "quantity": 1, "price": 10.0}],
}
EFFECTS_PER_ORDER: Final = 8
"""Deliveries an in-stock order causes: OrderCreated x4 (order-processing, inventory,
notification, analytics), InventoryReserved x2 (order-processing, analytics),
NotificationSent x1 (analytics), plus the email the sink receives."""
TRANSPORTS: Final = ("engine", "aws")
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")
BENCH_CREDENTIALS: Final = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
"""Any key will do: ``orderflow serve`` accepts every credential unless told otherwise."""


def environment(transport: str) -> dict[str, str]:
    """The processes' environment: the transport named explicitly (an inherited
    $ORDERFLOW_TRANSPORT must not turn the engine run into a remote one), and credentials
    for boto3 when none are set."""
    env = {**os.environ, TRANSPORT_ENVIRONMENT: transport}
    env.pop("AWS_ENDPOINT_URL", None)  # the endpoint is given by --endpoint-url
    if transport == "aws":
        for name, value in BENCH_CREDENTIALS.items():
            env.setdefault(name, value)
    return env


def stop_process(process: subprocess.Popen[bytes], log: IO[str], grace_s: float) -> None:
    """Ctrl-C, as a user would; after ``grace_s``, SIGKILL to its whole process group
    (its own session: ``start_new_session``), as to any part left behind by a crash."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError):  # nothing left: the usual case
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    log.close()


class Endpoint:
    """``orderflow serve`` on a free port over a fresh SQLite file of its own."""

    def __init__(self, folder: Path) -> None:
        self.db = folder / "endpoint.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (folder / "serve.log").open("w")
        command = [sys.executable, "-m", "orderflow", "--db", str(self.db), "serve"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=environment("aws"),
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 30) -> None:
        """Until it answers HTTP at all (``GET /`` is a 400 from an AWS endpoint)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                connection.request("GET", "/")
                connection.getresponse().read()
            except OSError:
                time.sleep(0.1)
            else:
                return
            finally:
                connection.close()
        raise SystemExit(f"the endpoint did not start; see {self.log.name}")

    def stop(self) -> None:
        stop_process(self.process, self.log, grace_s=10)


class System:
    def __init__(self, folder: Path, port: int, endpoint: Endpoint | None = None) -> None:
        self.db = folder / "bench.db"
        self.port = port
        catalog = folder / "catalog.yaml"
        catalog.write_text("- {sku: BENCH-1, name: Bench item, price: 10.00, stock: 100000000}\n")
        remote = [] if endpoint is None else ["--aws", "--endpoint-url", endpoint.url]
        self.log = (folder / "up.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orderflow",
                "--db",
                str(self.db),
                "up",
                "--port",
                str(port),
                "--sink-port",
                str(free_port()),
                "--catalog",
                str(catalog),
                *remote,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=environment("engine" if endpoint is None else "aws"),
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the system did not start; see {self.log.name}")

    def stop(self) -> None:
        # Under --aws the workers drain by finishing their long poll (5 s).
        stop_process(self.process, self.log, grace_s=20)


@contextlib.contextmanager
def running(transport: str, folder: Path) -> Iterator[tuple[System, Endpoint | None]]:
    """The system on ``transport`` (with its endpoint for ``aws``), ready; on the way out
    the system is stopped first, then the endpoint it talks to, whatever happened."""
    with contextlib.ExitStack() as stack:
        endpoint = None
        if transport == "aws":
            endpoint = Endpoint(folder)
            stack.callback(endpoint.stop)
            endpoint.wait_ready()
        system = System(folder, free_port(), endpoint)
        stack.callback(system.stop)
        system.wait_ready()
        yield system, endpoint


def session_cpu_s(session: int) -> float:
    """User + system CPU seconds of the live processes of a session (all their threads)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # fields 3.. of proc(5)
        if int(fields[3]) == session:  # field 6: session id
            total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total / CLOCK_TICKS


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU used by the system's processes, the endpoint's, and the machine's busy share."""

    def __init__(self, system: System, endpoint: Endpoint | None) -> None:
        self.sessions = {"system": system.process.pid}
        if endpoint is not None:
            self.sessions["endpoint"] = endpoint.process.pid
        self.before = self._read()

    def _read(self) -> tuple[dict[str, float], tuple[int, int]]:
        return {name: session_cpu_s(sid) for name, sid in self.sessions.items()}, machine_ticks()

    def used(self, orders: int) -> dict[str, Any]:
        (after, (busy, total)), (before, (busy0, total0)) = self._read(), self.before
        seconds = {name: after[name] - before[name] for name in after}
        return {
            "cpu_s": {name: round(value, 2) for name, value in seconds.items()},
            "cpu_ms_per_order": {
                name: round(value * 1000 / max(orders, 1), 2) for name, value in seconds.items()
            },
            "cores_busy": round((busy - busy0) / max(total - total0, 1) * (os.cpu_count() or 1), 2),
        }


def post_orders(port: int, count: int, starts: dict[str, float], lock: threading.Lock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps(ORDER)
    for _ in range(count):
        started = time.time()
        connection.request("POST", "/orders", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = json.loads(response.read())
        if response.status != 201:
            raise SystemExit(f"POST /orders answered {response.status}: {payload}")
        with lock:
            starts[payload["correlationId"]] = started


def opened(db: Path) -> sqlite3.Connection:
    """The system's file, read-only, with the mail sink's mailbox attached as ``mail``."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    mailbox = mailbox_path(db)
    if mailbox.exists():  # once the sink has received its first email
        connection.execute("ATTACH DATABASE ? AS mail", (f"file:{mailbox}?mode=ro",))
    else:
        connection.execute("ATTACH DATABASE ':memory:' AS mail")
        connection.execute("CREATE TABLE mail.mailbox (message_id TEXT, received_ms INTEGER)")
    return connection


def effects_done(db: Path) -> tuple[int, int, int]:
    """(orders confirmed, emails received, NotificationSent recorded by analytics)."""
    with contextlib.closing(opened(db)) as connection:
        confirmed = connection.execute(
            "SELECT COUNT(*) FROM svc_documents WHERE kind = 'orders.order' "
            "AND json_extract(body, '$.status') = 'CONFIRMED'"
        ).fetchone()[0]
        mails = connection.execute("SELECT COUNT(*) FROM mail.mailbox").fetchone()[0]
        recorded = connection.execute(
            "SELECT COUNT(*) FROM svc_attempts WHERE consumer = 'analytics' "
            "AND detail_type = 'NotificationSent' AND outcome = 'PROCESSED'"
        ).fetchone()[0]
    return confirmed, mails, recorded


def wait_all_done(db: Path, total: int, timeout_s: float) -> float | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if min(effects_done(db)) >= total:
            return time.monotonic()
        time.sleep(0.02)
    return None


def last_effects(db: Path) -> dict[str, float]:
    """Correlation id -> time (epoch s) of the journey's last effect."""
    with contextlib.closing(opened(db)) as connection:
        ends = dict(
            connection.execute(
                "SELECT correlation_id, MAX(started_ms + duration_ms) FROM svc_attempts "
                "GROUP BY correlation_id"
            ).fetchall()
        )
        for correlation, received in connection.execute(
            "SELECT o.correlation_id, b.received_ms FROM svc_mail_outbox o "
            "JOIN mail.mailbox b ON b.message_id = o.message_id"
        ):
            ends[correlation] = max(ends.get(correlation, 0), received)
    return {correlation: ms / 1000 for correlation, ms in ends.items()}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def throughput(args: argparse.Namespace, folder: Path, transport: str) -> dict[str, Any]:
    sub = folder / f"throughput-{transport}"
    sub.mkdir()
    with running(transport, sub) as (system, endpoint):
        starts: dict[str, float] = {}
        lock = threading.Lock()
        per_client = args.orders // args.clients
        total = per_client * args.clients
        meter = CpuMeter(system, endpoint)
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
        done = wait_all_done(system.db, total, args.timeout)
        cpu = meter.used(total)
        return {
            "orders": total,
            "api_seconds": accepted - began,
            "seconds": None if done is None else done - began,
            "orders_per_s": None if done is None else total / (done - began),
            "done": effects_done(system.db),
            **cpu,
        }


def latency(args: argparse.Namespace, folder: Path, transport: str) -> dict[str, Any]:
    sub = folder / f"latency-{transport}"
    sub.mkdir()
    with running(transport, sub) as (system, _):
        connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=30)
        body = json.dumps(ORDER)
        count = int(args.rate * args.seconds)
        starts: dict[str, float] = {}
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
        done = wait_all_done(system.db, count, args.timeout)
        ends = last_effects(system.db)
        latencies = [(ends[c] - start) * 1000 for c, start in starts.items() if c in ends][
            args.warmup :
        ]
        if not latencies:
            raise SystemExit(f"latency ({transport}): no order reached its effects")
        return {
            "orders": count,
            "measured": len(latencies),
            "complete": done is not None,
            "p50_ms": percentile(latencies, 0.5),
            "p90_ms": percentile(latencies, 0.9),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": max(latencies),
            "mean_ms": statistics.fmean(latencies),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=3000, help="orders for the throughput run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--rate", type=float, default=50.0, help="orders/s for the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="latency run length")
    parser.add_argument("--warmup", type=int, default=20, help="first orders left out of latency")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after this long")
    parser.add_argument("--measure", default="throughput,latency")
    parser.add_argument(
        "--transport",
        choices=(*TRANSPORTS, "both"),
        default="both",
        help="what carries the events: the embedded engine, the AWS APIs of a local "
        "orderflow serve, or both, one after the other (default)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    args = parser.parse_args()
    transports = TRANSPORTS if args.transport == "both" else (args.transport,)
    facts = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    report: dict[str, Any] = {"machine": facts, "transports": {t: {} for t in transports}}
    progress = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="orderflow-bench-") as folder:
        if "throughput" in args.measure:
            for transport in transports:
                progress.print(
                    f"throughput ({transport}): {args.orders} orders, {args.clients} clients …"
                )
                report["transports"][transport]["throughput"] = throughput(
                    args, Path(folder), transport
                )
        if "latency" in args.measure:
            for transport in transports:
                progress.print(
                    f"latency ({transport}): {args.rate:g} orders/s for {args.seconds:g} s …"
                )
                report["transports"][transport]["latency"] = latency(args, Path(folder), transport)
    facts["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print_report(report, args)


def print_report(report: dict[str, Any], args: argparse.Namespace) -> None:
    console = Console(width=max(100, Console().width))  # lines whole in a log file too
    console.print(f"machine: {report['machine']}")
    table = Table(title="Orders: HTTP create → every consumer done (orderflow up)")
    table.add_column("transport", no_wrap=True)
    for column in ("orders/s", "p50 ms", "p90 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="right")
    table.add_column("≥ 500/s")
    table.add_column("p99 ≤ 100")
    notes = []
    for transport, measured in report["transports"].items():
        t, lat = measured.get("throughput"), measured.get("latency")
        rate = None if t is None else t["orders_per_s"]
        cells = [transport]
        if t is None:
            cells.append("-")
        else:
            cells.append("INCOMPLETE" if rate is None else f"{rate:,.0f}")
            cpu = ", ".join(f"{name} {ms:.2f} ms" for name, ms in t["cpu_ms_per_order"].items())
            notes.append(
                f"{transport}: the API took the {t['orders']} orders in {t['api_seconds']:.1f} s; "
                + (
                    ""
                    if rate is not None
                    else f"done {t['done']} of them (confirmed, mails, NotificationSent); "
                )
                + f"CPU per order {cpu}; {t['cores_busy']:.2f} cores busy"
            )
        names = ("p50", "p90", "p99", "max")
        cells += ["-"] * 4 if lat is None else [f"{lat[n + '_ms']:.1f}" for n in names]
        cells.append("-" if t is None else "PASS" if rate is not None and rate >= 500 else "FAIL")
        cells.append(
            "-" if lat is None else "PASS" if lat["p99_ms"] <= 100 and lat["complete"] else "FAIL"
        )
        table.add_row(*cells)
    console.print(table)
    if "throughput" in args.measure:
        console.print(f"throughput: {args.orders} orders by {args.clients} clients")
        for note in notes:
            console.print(f"  {note}")
    if "latency" in args.measure:
        console.print(
            f"latency: create → all effects, {args.rate:g} orders/s for {args.seconds:g} s, "
            f"the first {args.warmup} left out"
        )


if __name__ == "__main__":
    main()
