"""Orders benchmark: orders through the whole running system, HTTP create to every effect.

Run with ``.venv/bin/python bench/orders.py`` (``--help`` for the knobs). It starts the
system as ``orderflow up`` does (the HTTP API, the SMTP sink and the five consumers, each
its own process, on a fresh SQLite file in a temporary folder, with a catalog whose stock
never runs out), then measures:

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
they share the machine's clock with the client. Every loop is bounded by a count and a
deadline; the processes are stopped at the end whatever happens.
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
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from orderflow.adapters.sqlite.mailbox import mailbox_path
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


class System:
    def __init__(self, folder: Path, port: int) -> None:
        self.db = folder / "bench.db"
        self.port = port
        catalog = folder / "catalog.yaml"
        catalog.write_text("- {sku: BENCH-1, name: Bench item, price: 10.00, stock: 100000000}\n")
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
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
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
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


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


def throughput(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    sub = folder / "throughput"
    sub.mkdir()
    running = System(sub, free_port())
    try:
        running.wait_ready()
        starts: dict[str, float] = {}
        lock = threading.Lock()
        per_client = args.orders // args.clients
        total = per_client * args.clients
        began = time.monotonic()
        threads = [
            threading.Thread(target=post_orders, args=(running.port, per_client, starts, lock))
            for _ in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        accepted = time.monotonic()
        done = wait_all_done(running.db, total, args.timeout)
        return {
            "orders": total,
            "api_seconds": accepted - began,
            "seconds": None if done is None else done - began,
            "orders_per_s": None if done is None else total / (done - began),
            "done": effects_done(running.db),
        }
    finally:
        running.stop()


def latency(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    sub = folder / "latency"
    sub.mkdir()
    running = System(sub, free_port())
    try:
        running.wait_ready()
        connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
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
            starts[payload["correlationId"]] = started
        done = wait_all_done(running.db, count, args.timeout)
        ends = last_effects(running.db)
        latencies = [(ends[c] - start) * 1000 for c, start in starts.items() if c in ends][
            args.warmup :
        ]
        return {
            "orders": count,
            "complete": done is not None,
            "p50_ms": percentile(latencies, 0.5),
            "p90_ms": percentile(latencies, 0.9),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": max(latencies),
            "mean_ms": statistics.fmean(latencies),
        }
    finally:
        running.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=3000, help="orders for the throughput run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--rate", type=float, default=50.0, help="orders/s for the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="latency run length")
    parser.add_argument("--warmup", type=int, default=20, help="first orders left out of latency")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after this long")
    parser.add_argument("--measure", default="throughput,latency")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    args = parser.parse_args()
    facts = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    report: dict[str, Any] = {"machine": facts}
    with tempfile.TemporaryDirectory(prefix="orderflow-bench-") as folder:
        if "throughput" in args.measure:
            Console(stderr=True).print(
                f"throughput: {args.orders} orders, {args.clients} clients …"
            )
            report["throughput"] = throughput(args, Path(folder))
        if "latency" in args.measure:
            Console(stderr=True).print(f"latency: {args.rate:g} orders/s for {args.seconds:g} s …")
            report["latency"] = latency(args, Path(folder))
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print_report(report)


def print_report(report: dict[str, Any]) -> None:
    console = Console()
    console.print(f"machine: {report['machine']}")
    table = Table(title="Orders: HTTP create → every consumer done (orderflow up, 7 processes)")
    for column in ("measurement", "result", "target", "PASS/FAIL"):
        table.add_column(column)
    if "throughput" in report:
        t = report["throughput"]
        rate = t["orders_per_s"]
        table.add_row(
            f"throughput ({t['orders']} orders; API took them in {t['api_seconds']:.1f} s)",
            "INCOMPLETE " + str(t["done"]) if rate is None else f"{rate:,.0f} orders/s",
            ">= 500 orders/s",
            "FAIL" if rate is None or rate < 500 else "PASS",
        )
    if "latency" in report:
        lat = report["latency"]
        for name in ("p50", "p90", "p99", "max"):
            table.add_row(
                f"create → all effects {name} ({lat['orders']} orders at 50/s)",
                f"{lat[name + '_ms']:.1f} ms",
                "<= 100 ms" if name == "p99" else "",
                ("PASS" if lat["p99_ms"] <= 100 and lat["complete"] else "FAIL")
                if name == "p99"
                else "",
            )
    console.print(table)


if __name__ == "__main__":
    main()
