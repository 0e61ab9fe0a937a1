"""Engine benchmark: the embedded EventBridge + SQS engine on SQLite, next to NATS JetStream.

Run with ``PYTHONPATH=src .venv/bin/python bench/engine.py`` (``--json`` for a
machine-readable report, ``--help`` for the knobs). A full run takes about a minute and is
bounded to about two: every loop stops at a count or a deadline, whichever comes first.

Workload

Events: the order events of bench/patterns.py (``make_event``, seeded): a pool of
``--pool`` distinct events, cycled. PutEvents gets ``Source``, ``DetailType`` and the
``Detail`` JSON (about 760 B); the envelope the bus writes to every queue, and the payload
published to NATS, is about 1 KB.

Topology (orderflow): 3 SQS queues and 3 rules on the default bus, each rule matching every
order event (``{"source": ["com.mycompany.orders"]}``) with one target, its queue: every
event becomes 3 messages, written in the PutEvents transaction. Every measurement starts on a
fresh temporary SQLite file (``--dir``, default the system's temporary folder).

Measured

1. Ingest: one process calls PutEvents with 10 entries per call for ``--ingest-seconds``
   (after a short warm-up on the same file) -> events/s. Once with ``synchronous=NORMAL``
   (the default; the target applies), once with ``FULL`` (one fsync per commit, for
   information).
2. End to end: three consumer processes (``--role sqs-consumer``, one per queue) loop on
   ReceiveMessage (max 10, WaitTimeSeconds=1) + DeleteMessageBatch; then this process
   publishes ``--e2e-events`` events, 10 per PutEvents call, as fast as it can. Timed from
   the first PutEvents to the moment the last consumer has deleted its last message (the
   consumers report ``time.monotonic_ns()``, system-wide on Linux) -> events/s through the
   system (each event received and deleted by all three consumers) and message
   deliveries/s (3 per event). Afterwards every queue must be empty.
3. Latency: one consumer process (``--role sqs-latency``) long-polls one queue (max 10,
   WaitTimeSeconds=1); this process publishes ``--latency-rate`` events/s, one per PutEvents
   call, paced on a monotonic schedule, for ``--latency-seconds``. Each event's detail holds
   ``time.time_ns()`` taken just before PutEvents; the consumer records receive time - put
   time for each message as ReceiveMessage returns it -> p50/p90/p99/max in ms (the first
   ``--latency-warmup`` events are left out).

NATS JetStream (``--nats``, default nats://127.0.0.1:4222; nats-py, the ``bench`` extra):
a stream ``ORDERFLOW_BENCH`` with subjects ``orders.>`` and file storage, recreated for every
measurement and deleted at the end; subject ``orders.<detail-type>``, the 1 KB envelope as
payload; the three queues are three durable pull consumers (explicit ack) on the stream.

1. Ingest: ``js.publish`` awaiting each ack, and pipelined: ``asyncio.gather`` of 10
   publishes (the counterpart of a PutEvents of 10).
2. End to end: three consumer processes (``--role nats-consumer``) loop on ``fetch`` (batch
   10, timeout 1 s) + ``msg.ack()``, then flush; the publisher sends gathers of 10.
3. Latency: publish (ack awaited) at the same rate; one consumer process
   (``--role nats-latency``) loops on ``fetch(1, timeout=0.5)``.

PostgreSQL (``--postgres``, default postgresql://postgres@127.0.0.1:5432; ``--no-postgres``
to skip): ingest only, the same topology and PutEvents of 10 on an ``Engine`` on a fresh
database (``open_engine("postgresql://...")``; created with ``createdb`` on that server,
dropped with ``dropdb --force`` at the end whatever happens), beside the SQLite figures:

1c. one publisher (this process), as 1. measures SQLite: a transaction per PutEvents,
    committed with the server's default ``synchronous_commit`` (on: one WAL flush per
    commit);
1d. ``--postgres-publishers`` processes (default 4; ``--role pg-publisher``) calling
    PutEvents at once on the same database for ``--ingest-seconds``, started together
    once all are connected and warmed up -> the sum of their events/s.

If NATS or PostgreSQL is not reachable its cell says so; no number is ever made up.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import math
import os
import platform
import pstats
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import orjson
from rich.console import Console
from rich.table import Table

import orderflow
from orderflow.bootstrap import open_engine
from orderflow.eventbus.engine import Engine

# ``python bench/engine.py`` puts bench/ first on sys.path: the event generator is shared.
from patterns import SOURCE, make_event

QUEUES: Final = ("orders-audit", "orders-analytics", "orders-fraud")
RULES: Final = ("all-orders-to-audit", "all-orders-to-analytics", "all-orders-to-fraud")
PATTERN: Final = json.dumps({"source": [SOURCE]})
WARMUP_SOURCE: Final = "com.mycompany.bench-warmup"  # matches no rule
PER_CALL: Final = 10
STAMP: Final = 1_111_111_111_111_111_111  # placeholder for the put time in latency events
STREAM: Final = "ORDERFLOW_BENCH"
NATS_UNREACHABLE: Final = "NATS: not reachable on {} (start it: see README)"
MAX_INGEST_EVENTS: Final = 2_000_000
READY_TIMEOUT_S: Final = 30.0
EXIT_GRACE_S: Final = 5.0

TARGET_INGEST: Final = 20_000.0
TARGET_END_TO_END: Final = 5_000.0
TARGET_P99_MS: Final = 5.0
REPORT_WIDTH: Final = 140

T = TypeVar("T")


# -- workload ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """The pre-built inputs: nothing is serialised inside a timed loop but the put time."""

    entries: list[dict[str, str]]
    """PutEvents entries (Source, DetailType, Detail)."""
    messages: list[tuple[str, bytes]]
    """(subject, envelope) for NATS."""
    entry_templates: list[tuple[str, str, str, str]]
    """(source, detail-type, detail before the put time, detail after it)."""
    message_templates: list[tuple[str, str, str]]
    """(subject, envelope before the put time, envelope after it)."""

    @property
    def batches(self) -> list[list[dict[str, str]]]:
        size = len(self.entries) - len(self.entries) % PER_CALL
        return [self.entries[i : i + PER_CALL] for i in range(0, size, PER_CALL)]

    @property
    def message_batches(self) -> list[list[tuple[str, bytes]]]:
        size = len(self.messages) - len(self.messages) % PER_CALL
        return [self.messages[i : i + PER_CALL] for i in range(0, size, PER_CALL)]

    @property
    def mean_envelope_bytes(self) -> float:
        return sum(len(payload) for _, payload in self.messages) / len(self.messages)

    @property
    def mean_detail_bytes(self) -> float:
        return sum(len(entry["Detail"].encode()) for entry in self.entries) / len(self.entries)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _split_stamp(text: str) -> tuple[str, str]:
    before, after = text.split(str(STAMP), 1)
    assert str(STAMP) not in after
    return before, after


def make_workload(pool: int, seed: int) -> Workload:
    rng = random.Random(seed)
    events = [make_event(rng) for _ in range(pool)]
    entries, messages, entry_templates, message_templates = [], [], [], []
    for event in events:
        subject = f"orders.{event['detail-type'].lower()}"
        entries.append(
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": _compact(event["detail"]),
            }
        )
        messages.append((subject, _compact(event).encode()))
        stamped = {"sentNs": STAMP, **event["detail"]}
        entry_templates.append(
            (event["source"], event["detail-type"], *_split_stamp(_compact(stamped)))
        )
        envelope = _compact({**event, "detail": stamped})
        message_templates.append((subject, *_split_stamp(envelope)))
    return Workload(entries, messages, entry_templates, message_templates)


def stamp(sequence: int) -> str:
    """What replaces the placeholder: the put time and the event's number."""
    return f'{time.time_ns()},"seq":{sequence}'


def read_stamp(envelope: str | bytes) -> tuple[int, int]:
    """(sequence, put time in ns) of a latency event."""
    detail = orjson.loads(envelope)["detail"]
    return int(detail["seq"]), int(detail["sentNs"])


# -- results ----------------------------------------------------------------------------


@dataclass
class Ingest:
    events: int
    seconds: float
    cpu_s: dict[str, float] | None = None
    """On PostgreSQL: CPU seconds of this process and of the database's server sessions."""

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


@dataclass
class EndToEnd:
    events: int
    consumers: int
    seconds: float
    """First put to the last consumer's last delete (or to the deadline)."""
    publish_seconds: float
    """First put to the last put returning."""
    consumed: list[int]
    """Messages each consumer deleted (acked)."""
    complete: bool
    leftover: dict[str, int] = field(default_factory=dict)
    """Messages still in each queue (consumer) after the run: all zero when complete."""

    @property
    def events_per_s(self) -> float:
        return min(self.consumed) / self.seconds

    @property
    def deliveries_per_s(self) -> float:
        return sum(self.consumed) / self.seconds


@dataclass
class Latency:
    samples_ms: list[float]
    expected: int
    seconds: float

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile."""
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]

    @property
    def summary(self) -> dict[str, float]:
        return {
            "p50": self.percentile(50),
            "p90": self.percentile(90),
            "p99": self.percentile(99),
            "max": max(self.samples_ms),
        }


@dataclass
class Results:
    ingest_normal: Ingest | None = None
    ingest_full: Ingest | None = None
    ingest_one_by_one: Ingest | None = None
    ingest_postgres: Ingest | None = None
    ingest_postgres_parallel: Ingest | None = None
    """The publishers' events over the longest one's seconds (events_per_s: their sum)."""
    postgres_note: str | None = None
    """Why there are no PostgreSQL numbers (not reachable, skipped)."""
    end_to_end: EndToEnd | None = None
    latency: Latency | None = None
    note: str | None = None
    """Why there are no numbers (NATS unreachable)."""


# -- processes --------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """The environment for consumer processes: the same orderflow as this process."""
    env = dict(os.environ)
    root = Path(orderflow.__file__).resolve().parents[1]
    if root.name != "site-packages":
        paths = [str(root), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


@dataclass
class Child:
    process: subprocess.Popen[bytes]
    ready: Path
    out: Path


def start_child(folder: Path, name: str, role: str, options: Sequence[str]) -> Child:
    ready, out = folder / f"{name}.ready", folder / f"{name}.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--role",
        role,
        "--ready",
        str(ready),
        "--out",
        str(out),
        *options,
    ]
    process = subprocess.Popen(command, env=child_env(), stdin=subprocess.DEVNULL)
    return Child(process, ready, out)


def wait_ready(children: Sequence[Child], timeout_s: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(child.ready.exists() for child in children):
        for child in children:
            if child.process.poll() is not None and not child.ready.exists():
                raise RuntimeError(f"consumer exited early ({child.process.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"consumers not ready after {timeout_s:g} s")
        time.sleep(0.01)


def wait_exit(children: Sequence[Child], until: float) -> None:
    for child in children:
        with suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=max(0.1, until - time.monotonic() + EXIT_GRACE_S))


def stop(children: Sequence[Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.kill()
    for child in children:
        with suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=5)


def outcome(child: Child) -> dict[str, Any]:
    if not child.out.exists():
        return {"done": 0, "done_ns": None, "samples": []}
    result: dict[str, Any] = json.loads(child.out.read_text())
    return result


@contextmanager
def profiled(folder: str | None, name: str) -> Iterator[None]:
    """Profile the block into ``folder/name.pstats`` when ``--profile`` is given."""
    if not folder:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        Path(folder).mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(Path(folder) / f"{name}.pstats"))


@contextmanager
def fresh_folder(parent: str | None) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orderflow-bench-", dir=parent) as folder:
        yield Path(folder)


# -- orderflow --------------------------------------------------------------------------


def set_up(engine: Engine) -> list[str]:
    """The 3 queues and 3 rules; the queue URLs."""
    urls = []
    for queue, rule in zip(QUEUES, RULES, strict=True):
        urls.append(engine.sqs.create_queue(queue))
        engine.events.put_rule(rule, PATTERN)
        failed = engine.events.put_targets(
            rule, [{"Id": queue, "Arn": engine.scope.queue_arn(queue)}]
        )
        if failed:
            raise RuntimeError(f"PutTargets failed: {failed}")
    return urls


def put(engine: Engine, entries: Sequence[Mapping[str, Any]]) -> None:
    result = engine.events.put_events(entries)
    if result.failed_entry_count:
        raise RuntimeError(f"PutEvents failed: {result.as_aws()}")


def put_for(
    engine: Engine, batches: Sequence[Sequence[Mapping[str, Any]]], seconds: float
) -> Ingest:
    calls, elapsed = 0, 0.0
    start = time.perf_counter()
    while elapsed < seconds and calls * PER_CALL < MAX_INGEST_EVENTS:
        put(engine, batches[calls % len(batches)])
        calls += 1
        elapsed = time.perf_counter() - start
    return Ingest(calls * PER_CALL, elapsed)


def orderflow_ingest(args: argparse.Namespace, work: Workload, synchronous: str) -> Ingest:
    with fresh_folder(args.dir) as folder:
        engine = open_engine(folder / "bench.db", synchronous=synchronous)
        try:
            set_up(engine)
            batches = work.batches
            put_for(engine, batches, args.warmup_seconds)
            gc.collect()
            return put_for(engine, batches, args.ingest_seconds)
        finally:
            engine.store.close()


def warm_up_publisher(engine: Engine, work: Workload, seconds: float) -> None:
    """PutEvents of events no rule matches: the code path, without filling the queues."""
    entries = [{**entry, "Source": WARMUP_SOURCE} for entry in work.entries[:PER_CALL]]
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        put(engine, entries)


def leftovers(engine: Engine, urls: Sequence[str]) -> dict[str, int]:
    counts = {}
    for url, queue in zip(urls, QUEUES, strict=True):
        found = engine.sqs.get_queue_attributes(url, ["All"])
        counts[queue] = sum(
            int(found[name])
            for name in (
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            )
        )
    return counts


def orderflow_end_to_end(args: argparse.Namespace, work: Workload) -> EndToEnd:
    count = args.e2e_events
    with fresh_folder(args.dir) as folder:
        db = folder / "bench.db"
        engine = open_engine(db)
        children: list[Child] = []
        try:
            urls = set_up(engine)
            warm_up_publisher(engine, work, args.warmup_seconds)
            until = time.monotonic() + args.e2e_timeout
            for number, url in enumerate(urls):
                options = ["--db", str(db), "--queue", url, "--count", str(count)]
                options += ["--until", repr(until)]
                if args.profile:
                    options += ["--profile", args.profile]
                children.append(start_child(folder, f"consumer-{number}", "sqs-consumer", options))
            wait_ready(children)
            batches = work.batches
            start_ns = time.monotonic_ns()
            with profiled(args.profile, "orderflow-publisher"):
                for call in range(count // PER_CALL):
                    if time.monotonic() > until:
                        break
                    put(engine, batches[call % len(batches)])
            published_ns = time.monotonic_ns()
            wait_exit(children, until)
        finally:
            stop(children)
        results = [outcome(child) for child in children]
        left = leftovers(engine, urls)
        engine.store.close()
    return _end_to_end(
        count,
        start_ns=start_ns,
        published_ns=published_ns,
        results=results,
        until=until,
        leftover=left,
    )


def _end_to_end(
    count: int,
    *,
    start_ns: int,
    published_ns: int,
    results: Sequence[Mapping[str, Any]],
    until: float,
    leftover: dict[str, int],
) -> EndToEnd:
    done = [result["done_ns"] for result in results]
    complete = all(end is not None for end in done)
    end_ns = max(done) if complete else int(until * 1e9)
    return EndToEnd(
        events=count,
        consumers=len(results),
        seconds=(end_ns - start_ns) / 1e9,
        publish_seconds=(published_ns - start_ns) / 1e9,
        consumed=[int(result["done"]) for result in results],
        complete=complete,
        leftover=leftover,
    )


def paced(rate: float, count: int, until: float) -> Iterator[int]:
    """0, 1, ... count-1, each yielded at its slot of a monotonic schedule."""
    start = time.monotonic()
    for sequence in range(count):
        slot = start + sequence / rate
        now = time.monotonic()
        if now > until:
            return
        if slot > now:
            time.sleep(slot - now)
        yield sequence


def latency_of(results: Mapping[str, Any], warmup: int, expected: int, seconds: float) -> Latency:
    samples = [ns / 1e6 for sequence, ns in results["samples"] if sequence >= warmup]
    if not samples:
        raise RuntimeError("the latency consumer received nothing")
    return Latency(samples, expected, seconds)


def orderflow_latency(args: argparse.Namespace, work: Workload) -> Latency:
    count = args.latency_warmup + int(args.latency_rate * args.latency_seconds)
    with fresh_folder(args.dir) as folder:
        db = folder / "bench.db"
        engine = open_engine(db)
        children: list[Child] = []
        try:
            urls = set_up(engine)
            warm_up_publisher(engine, work, args.warmup_seconds)
            until = time.monotonic() + args.latency_seconds * 2 + 10
            options = ["--db", str(db), "--queue", urls[0], "--count", str(count)]
            options += ["--until", repr(until)]
            children.append(start_child(folder, "latency", "sqs-latency", options))
            wait_ready(children)
            templates = work.entry_templates
            start = time.perf_counter()
            for sequence in paced(args.latency_rate, count, until):
                source, detail_type, before, after = templates[sequence % len(templates)]
                detail = before + stamp(sequence) + after
                put(engine, [{"Source": source, "DetailType": detail_type, "Detail": detail}])
            seconds = time.perf_counter() - start
            wait_exit(children, until)
        finally:
            stop(children)
            engine.store.close()
        result = outcome(children[0])
    return latency_of(result, args.latency_warmup, count - args.latency_warmup, seconds)


def sqs_consumer(args: argparse.Namespace) -> None:
    """Receive (max 10, long polling) and delete until ``--count`` messages are deleted."""
    engine = open_engine(args.db)
    sqs, queue, count = engine.sqs, args.queue, args.count
    done, receives, empty = 0, 0, 0
    done_ns: int | None = None
    try:
        sqs.receive_message(queue, max_messages=1, wait_time_seconds=0)  # warm-up: queue empty
        Path(args.ready).touch()
        with profiled(args.profile, f"orderflow-consumer-{queue.rsplit('/', 1)[-1]}"):
            while done < count and time.monotonic() < args.until:
                wanted = min(PER_CALL, count - done)
                messages = sqs.receive_message(queue, max_messages=wanted, wait_time_seconds=1)
                receives += 1
                if not messages:
                    empty += 1
                    continue
                entries = [
                    {"Id": str(number), "ReceiptHandle": message.receipt_handle}
                    for number, message in enumerate(messages)
                ]
                deleted = sqs.delete_message_batch(queue, entries)
                if deleted.failed:
                    raise RuntimeError(f"DeleteMessageBatch failed: {deleted.failed}")
                done += len(deleted.successful)
        if done >= count:
            done_ns = time.monotonic_ns()
    finally:
        engine.store.close()
        report = {"done": done, "done_ns": done_ns, "receives": receives, "empty": empty}
        Path(args.out).write_text(json.dumps(report))


def sqs_latency(args: argparse.Namespace) -> None:
    """Long-poll one queue; for every message, receive time - put time."""
    engine = open_engine(args.db)
    sqs, queue = engine.sqs, args.queue
    samples: list[tuple[int, int]] = []
    try:
        sqs.receive_message(queue, max_messages=1, wait_time_seconds=0)
        Path(args.ready).touch()
        while len(samples) < args.count and time.monotonic() < args.until:
            messages = sqs.receive_message(queue, max_messages=PER_CALL, wait_time_seconds=1)
            received_ns = time.time_ns()
            if not messages:
                continue
            for message in messages:
                sequence, sent_ns = read_stamp(message.body)
                samples.append((sequence, received_ns - sent_ns))
            sqs.delete_message_batch(
                queue,
                [
                    {"Id": str(number), "ReceiptHandle": message.receipt_handle}
                    for number, message in enumerate(messages)
                ],
            )
    finally:
        engine.store.close()
        Path(args.out).write_text(json.dumps({"done": len(samples), "samples": samples}))


@contextmanager
def postgres_database(server: str, label: str) -> Iterator[str]:
    """A fresh database on ``server`` (its URL), dropped on the way out whatever happens."""
    from postgres import database_url, pg_tool  # bench/postgres.py: psycopg, only when asked

    name = f"orderflow_bench_engine_{os.getpid()}_{label}"
    pg_tool("createdb", server, name)
    try:
        yield database_url(server, name)
    finally:
        pg_tool("dropdb", server, "--force", "--if-exists", name)


def postgres_ingest(args: argparse.Namespace, work: Workload) -> Ingest:
    """1c: one publisher on a fresh PostgreSQL database."""
    with postgres_database(args.postgres, "ingest") as url:
        engine = open_engine(url)
        try:
            set_up(engine)
            batches = work.batches
            put_for(engine, batches, args.warmup_seconds)
            gc.collect()
            before = postgres_cpu(url)
            measured = put_for(engine, batches, args.ingest_seconds)
            after = postgres_cpu(url)
            measured.cpu_s = {name: round(after[name] - before[name], 3) for name in after}
            return measured
        finally:
            engine.store.close()


def postgres_cpu(url: str) -> dict[str, float]:
    """CPU seconds so far of this process and of the sessions on ``url``'s database."""
    from postgres import CLOCK_TICKS, database_of, postgres_ticks

    usage = resource.getrusage(resource.RUSAGE_SELF)
    server = postgres_ticks(database_of(url), set())
    return {
        "publisher": usage.ru_utime + usage.ru_stime,
        "pg_backends": sum(server["backends"].values()) / CLOCK_TICKS,
        "pg_server": sum(server["server"].values()) / CLOCK_TICKS,
    }


def postgres_parallel_ingest(args: argparse.Namespace) -> Ingest:
    """1d: ``--postgres-publishers`` processes at once on one fresh database."""
    with postgres_database(args.postgres, "parallel") as url, fresh_folder(args.dir) as folder:
        engine = open_engine(url)
        try:
            set_up(engine)
        finally:
            engine.store.close()
        go = folder / "go"
        until = time.monotonic() + READY_TIMEOUT_S + args.ingest_seconds + 30
        children: list[Child] = []
        try:
            for number in range(args.postgres_publishers):
                options = ["--db", url, "--go", str(go), "--until", repr(until)]
                options += ["--ingest-seconds", repr(args.ingest_seconds)]
                options += ["--warmup-seconds", repr(args.warmup_seconds)]
                options += ["--seed", str(args.seed), "--pool", str(args.pool)]
                children.append(start_child(folder, f"publisher-{number}", "pg-publisher", options))
            wait_ready(children, timeout_s=READY_TIMEOUT_S * 2)
            go.touch()
            wait_exit(children, until)
        finally:
            stop(children)
        results = [outcome(child) for child in children]
    if any("events" not in result for result in results):
        raise RuntimeError(f"a publisher reported nothing: {results}")
    rate = sum(result["events"] / result["seconds"] for result in results)
    seconds = max(result["seconds"] for result in results)
    return Ingest(round(rate * seconds), seconds)


def pg_publisher(args: argparse.Namespace) -> None:
    """PutEvents of 10 for ``--ingest-seconds``, from when ``--go`` exists."""
    work = make_workload(args.pool, args.seed)
    engine = open_engine(args.db)
    try:
        batches = work.batches
        put_for(engine, batches, args.warmup_seconds)
        gc.collect()
        Path(args.ready).touch()
        go = Path(args.go)
        while not go.exists():
            if time.monotonic() > args.until:
                return
            time.sleep(0.001)
        result = put_for(engine, batches, args.ingest_seconds)
        Path(args.out).write_text(json.dumps(asdict(result)))
    finally:
        engine.store.close()


def measure_postgres(
    args: argparse.Namespace, work: Workload, log: Console, results: Results
) -> None:
    """1c and 1d, or the reason why not in ``results.postgres_note``."""
    if args.no_postgres:
        results.postgres_note = "PostgreSQL: skipped (--no-postgres)"
        return
    try:
        import psycopg

        with psycopg.connect(args.postgres, connect_timeout=3):
            pass
    except Exception as exc:  # every way of not connecting means the same here
        address = urlsplit(args.postgres).netloc or args.postgres
        results.postgres_note = f"PostgreSQL: not reachable on {address} ({type(exc).__name__})"
        return
    log.print("orderflow: ingest on PostgreSQL, one publisher …")
    results.ingest_postgres = postgres_ingest(args, work)
    if args.postgres_publishers > 1:
        log.print(f"orderflow: ingest on PostgreSQL, {args.postgres_publishers} publishers …")
        results.ingest_postgres_parallel = postgres_parallel_ingest(args)


def measure_orderflow(args: argparse.Namespace, work: Workload, log: Console) -> Results:
    results = Results()
    if "ingest" in args.measure:
        log.print("orderflow: ingest, synchronous=NORMAL …")
        results.ingest_normal = orderflow_ingest(args, work, "NORMAL")
        log.print("orderflow: ingest, synchronous=FULL …")
        results.ingest_full = orderflow_ingest(args, work, "FULL")
        measure_postgres(args, work, log, results)
    if "e2e" in args.measure:
        log.print(f"orderflow: end to end, {args.e2e_events:,} events, 3 consumer processes …")
        results.end_to_end = orderflow_end_to_end(args, work)
    if "latency" in args.measure:
        log.print(f"orderflow: latency at {args.latency_rate:g} events/s …")
        results.latency = orderflow_latency(args, work)
    return results


# -- NATS JetStream ---------------------------------------------------------------------


async def nats_connect(url: str) -> Any:
    import nats

    # max_reconnect_attempts=0 would mean "forever": one retry, and a bound on the whole.
    connecting = nats.connect(
        url,
        connect_timeout=2,
        allow_reconnect=False,
        max_reconnect_attempts=1,
        reconnect_time_wait=0.2,
    )
    return await asyncio.wait_for(connecting, timeout=6)


async def reset_stream(js: Any, consumers: Sequence[str]) -> None:
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType
    from nats.js.errors import NotFoundError

    with suppress(NotFoundError):
        await js.delete_stream(STREAM)
    await js.add_stream(name=STREAM, subjects=["orders.>"], storage=StorageType.FILE)
    for name in consumers:
        config = ConsumerConfig(
            durable_name=name, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL
        )
        await js.add_consumer(STREAM, config)


async def publish_for(js: Any, work: Workload, seconds: float, *, pipelined: bool) -> Ingest:
    messages, batches = work.messages, work.message_batches
    sent, elapsed = 0, 0.0
    start = time.perf_counter()
    while elapsed < seconds and sent < MAX_INGEST_EVENTS:
        if pipelined:
            batch = batches[(sent // PER_CALL) % len(batches)]
            await asyncio.gather(*(js.publish(subject, payload) for subject, payload in batch))
            sent += len(batch)
        else:
            subject, payload = messages[sent % len(messages)]
            await js.publish(subject, payload)
            sent += 1
        elapsed = time.perf_counter() - start
    return Ingest(sent, elapsed)


async def nats_ingest(
    args: argparse.Namespace, js: Any, work: Workload, *, pipelined: bool
) -> Ingest:
    await reset_stream(js, QUEUES)
    await publish_for(js, work, args.warmup_seconds, pipelined=pipelined)
    gc.collect()
    return await publish_for(js, work, args.ingest_seconds, pipelined=pipelined)


async def in_thread(function: Callable[..., T], *arguments: Any) -> T:
    return await asyncio.to_thread(function, *arguments)


async def nats_end_to_end(args: argparse.Namespace, js: Any, work: Workload) -> EndToEnd:
    count = args.e2e_events
    await reset_stream(js, QUEUES)
    with fresh_folder(args.dir) as folder:
        children: list[Child] = []
        try:
            until = time.monotonic() + args.e2e_timeout
            for number, queue in enumerate(QUEUES):
                options = ["--nats", args.nats, "--queue", queue, "--count", str(count)]
                options += ["--until", repr(until)]
                if args.profile:
                    options += ["--profile", args.profile]
                children.append(start_child(folder, f"nats-{number}", "nats-consumer", options))
            await in_thread(wait_ready, children)
            batches = work.message_batches
            start_ns = time.monotonic_ns()
            for call in range(count // PER_CALL):
                if time.monotonic() > until:
                    break
                batch = batches[call % len(batches)]
                await asyncio.gather(*(js.publish(subject, payload) for subject, payload in batch))
            published_ns = time.monotonic_ns()
            await in_thread(wait_exit, children, until)
        finally:
            stop(children)
        results = [outcome(child) for child in children]
    left = {}
    for queue in QUEUES:
        info = await js.consumer_info(STREAM, queue)
        left[queue] = (info.num_pending or 0) + (info.num_ack_pending or 0)
    return _end_to_end(
        count,
        start_ns=start_ns,
        published_ns=published_ns,
        results=results,
        until=until,
        leftover=left,
    )


async def nats_latency(args: argparse.Namespace, js: Any, work: Workload) -> Latency:
    count = args.latency_warmup + int(args.latency_rate * args.latency_seconds)
    await reset_stream(js, QUEUES[:1])
    with fresh_folder(args.dir) as folder:
        children: list[Child] = []
        try:
            until = time.monotonic() + args.latency_seconds * 2 + 10
            options = ["--nats", args.nats, "--queue", QUEUES[0], "--count", str(count)]
            options += ["--until", repr(until)]
            children.append(start_child(folder, "nats-latency", "nats-latency", options))
            await in_thread(wait_ready, children)
            templates = work.message_templates
            start = time.monotonic()
            for sequence in range(count):
                slot = start + sequence / args.latency_rate
                now = time.monotonic()
                if now > until:
                    break
                if slot > now:
                    await asyncio.sleep(slot - now)
                subject, before, after = templates[sequence % len(templates)]
                await js.publish(subject, (before + stamp(sequence) + after).encode())
            seconds = time.monotonic() - start
            await in_thread(wait_exit, children, until)
        finally:
            stop(children)
        result = outcome(children[0])
    return latency_of(result, args.latency_warmup, count - args.latency_warmup, seconds)


async def nats_consumer(args: argparse.Namespace) -> None:
    """Fetch batches of 10 from a durable pull consumer and ack them, ``--count`` in all."""
    done, fetches, empty = 0, 0, 0
    done_ns: int | None = None
    nc = await nats_connect(args.nats)
    try:
        js = nc.jetstream()
        subscription = await js.pull_subscribe_bind(durable=args.queue, stream=STREAM)
        Path(args.ready).touch()
        with profiled(args.profile, f"nats-consumer-{args.queue}"):
            while done < args.count and time.monotonic() < args.until:
                fetches += 1
                try:
                    messages = await subscription.fetch(min(PER_CALL, args.count - done), 1)
                except TimeoutError:
                    empty += 1
                    continue
                for message in messages:
                    await message.ack()
                done += len(messages)
            await nc.flush()
        if done >= args.count:
            done_ns = time.monotonic_ns()
    finally:
        await nc.close()
        report = {"done": done, "done_ns": done_ns, "receives": fetches, "empty": empty}
        Path(args.out).write_text(json.dumps(report))


async def nats_latency_consumer(args: argparse.Namespace) -> None:
    samples: list[tuple[int, int]] = []
    nc = await nats_connect(args.nats)
    try:
        js = nc.jetstream()
        subscription = await js.pull_subscribe_bind(durable=args.queue, stream=STREAM)
        Path(args.ready).touch()
        while len(samples) < args.count and time.monotonic() < args.until:
            try:
                messages = await subscription.fetch(1, 0.5)
            except TimeoutError:
                continue
            received_ns = time.time_ns()
            for message in messages:
                sequence, sent_ns = read_stamp(message.data)
                samples.append((sequence, received_ns - sent_ns))
                await message.ack()
    finally:
        await nc.close()
        Path(args.out).write_text(json.dumps({"done": len(samples), "samples": samples}))


async def measure_nats(
    args: argparse.Namespace, work: Workload, log: Console
) -> tuple[Results, str | None]:
    """NATS's results and the server's version (a note instead if it is not reachable)."""
    try:
        import nats  # noqa: F401
    except ImportError:
        return Results(note="NATS: nats-py missing (pip install -e '.[bench]')"), None
    try:
        nc = await nats_connect(args.nats)
    except Exception:  # every way of not connecting means the same here
        address = urlsplit(args.nats).netloc or args.nats
        return Results(note=NATS_UNREACHABLE.format(address)), None
    results = Results()
    try:
        server = nc.connected_server_version
        version = f"{server.major}.{server.minor}.{server.patch}"
        js = nc.jetstream()
        if "ingest" in args.measure:
            log.print("NATS: ingest, gathers of 10 …")
            results.ingest_normal = await nats_ingest(args, js, work, pipelined=True)
            log.print("NATS: ingest, one publish at a time …")
            results.ingest_one_by_one = await nats_ingest(args, js, work, pipelined=False)
        if "e2e" in args.measure:
            log.print(f"NATS: end to end, {args.e2e_events:,} events, 3 consumer processes …")
            results.end_to_end = await nats_end_to_end(args, js, work)
        if "latency" in args.measure:
            log.print(f"NATS: latency at {args.latency_rate:g} events/s …")
            results.latency = await nats_latency(args, js, work)
    finally:
        from nats.js.errors import NotFoundError

        with suppress(NotFoundError):
            await nc.jetstream().delete_stream(STREAM)
        await nc.close()
    return results, version


# -- report -----------------------------------------------------------------------------


def machine(args: argparse.Namespace) -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    package = Path(orderflow.__file__).resolve().parent
    compiled = any(package.rglob("*.so")) or any(package.rglob("*.pyd"))
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "sqlite": sqlite3.sqlite_version,
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "orderflow": f"{package} ({'compiled' if compiled else 'interpreted'})",
        "temporary_folder": args.dir or tempfile.gettempdir(),
    }


def postgres_version(args: argparse.Namespace) -> str | None:
    if args.no_postgres:
        return None
    try:
        import psycopg

        with psycopg.connect(args.postgres, connect_timeout=3) as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except Exception:  # not reachable: the table says so
        return None
    return None if row is None else str(row[0]).split()[0]


def _rate(value: Ingest | None) -> str:
    return "—" if value is None else f"{value.events_per_s:,.0f} events/s"


def _e2e(value: EndToEnd | None, deliveries: bool = False) -> str:
    if value is None:
        return "—"
    rate = value.deliveries_per_s if deliveries else value.events_per_s
    unit = "deliveries/s" if deliveries else "events/s"
    text = f"{rate:,.0f} {unit}"
    if not deliveries:
        text += f"\n({value.events:,} events in {value.seconds:.2f} s)"
    if not value.complete:
        text += f"\nINCOMPLETE: {min(value.consumed):,} of {value.events:,} by the deadline"
    return text


def _ms(value: Latency | None, key: str) -> str:
    return "—" if value is None else f"{value.summary[key]:.2f} ms"


def _verdict(passed: bool | None) -> str:
    return {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "not measured"}[passed]


def verdicts(ours: Results) -> dict[str, bool | None]:
    ingest, e2e, latency = ours.ingest_normal, ours.end_to_end, ours.latency
    return {
        "ingest": None if ingest is None else ingest.events_per_s >= TARGET_INGEST,
        "end_to_end": None
        if e2e is None
        else e2e.complete and e2e.events_per_s >= TARGET_END_TO_END,
        "latency_p99": None if latency is None else latency.summary["p99"] <= TARGET_P99_MS,
    }


def results_table(ours: Results, theirs: Results, meta: Mapping[str, Any]) -> Table:
    table = Table(
        title=(
            f"Engine: orderflow (SQLite, {meta['queues']} queues, {meta['queues']} rules "
            f"matching every event) vs NATS JetStream {meta['nats_version'] or '(not run)'}; "
            f"events of {meta['mean_envelope_bytes']:,.0f} B"
        ),
        caption=(
            "Ingest: orderflow PutEvents of 10 entries, each event written to 3 queues in the "
            "same transaction; NATS: the event stored once in a file-storage stream (fan-out "
            "happens at consumption), publish acks awaited. End to end: 1 publisher + 3 "
            "consumer processes, first put to last delete/ack. Latency: put/publish time to "
            "receive, 1 consumer process."
        ),
        show_lines=True,
    )
    for header, justify in (
        ("measurement", "left"),
        ("orderflow", "right"),
        ("NATS JetStream", "right"),
        ("target", "right"),
        ("PASS/FAIL", "center"),
    ):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    passed = verdicts(ours)
    note = theirs.note
    # the other NATS cells: the note without its prefix and hint ("not reachable on …")
    short = note.split(":", 1)[-1].split("(")[0].strip() if note else ""
    rows: list[tuple[str, str, str, str, str]] = [
        (
            "1. ingest, synchronous=NORMAL\n(NATS: gathers of 10 publishes)",
            _rate(ours.ingest_normal),
            note or _rate(theirs.ingest_normal),
            f">= {TARGET_INGEST:,.0f} events/s",
            _verdict(passed["ingest"]),
        ),
        (
            "1b. ingest, synchronous=FULL\n(NATS: one publish at a time)",
            _rate(ours.ingest_full),
            short if note else _rate(theirs.ingest_one_by_one),
            "information",
            "",
        ),
        (
            "2. end to end: events/s, each\nreceived + deleted by 3 consumers",
            _e2e(ours.end_to_end),
            short if note else _e2e(theirs.end_to_end),
            f">= {TARGET_END_TO_END:,.0f} events/s",
            _verdict(passed["end_to_end"]),
        ),
        (
            "2b. end to end: message deliveries/s",
            _e2e(ours.end_to_end, deliveries=True),
            short if note else _e2e(theirs.end_to_end, deliveries=True),
            "information",
            "",
        ),
    ]
    pg_note = ours.postgres_note
    rows[2:2] = [
        (
            f"1c. ingest, PostgreSQL {meta.get('postgres_version') or ''}\n(one publisher)",
            pg_note or _rate(ours.ingest_postgres),
            "",
            "information",
            "",
        ),
        (
            f"1d. ingest, PostgreSQL\n({meta['postgres_publishers']} publisher processes at once)",
            "—" if pg_note else _rate(ours.ingest_postgres_parallel),
            "",
            "information",
            "",
        ),
    ]
    rows.extend(
        (
            f"3. latency {key} ({meta['latency_rate']:g} events/s)",
            _ms(ours.latency, key),
            short if note else _ms(theirs.latency, key),
            f"<= {TARGET_P99_MS:g} ms" if key == "p99" else "",
            _verdict(passed["latency_p99"]) if key == "p99" else "",
        )
        for key in ("p50", "p90", "p99", "max")
    )
    for row in rows:
        table.add_row(*row)
    return table


def details(name: str, results: Results) -> list[str]:
    lines = []
    ingest = results.ingest_postgres
    if ingest is not None and ingest.cpu_s:
        calls = max(ingest.events // PER_CALL, 1)
        split = ", ".join(
            f"{key} {value * 1000 / calls:.2f}" for key, value in ingest.cpu_s.items()
        )
        lines.append(
            f"{name} ingest on PostgreSQL: {ingest.seconds * 1000 / calls:.2f} ms per PutEvents of "
            f"{PER_CALL}; CPU ms per call: {split}"
        )
    e2e = results.end_to_end
    if e2e is not None:
        lines.append(
            f"{name} end to end: publisher done after {e2e.publish_seconds:.2f} s "
            f"({e2e.events / e2e.publish_seconds:,.0f} events/s while consumed), "
            f"consumed {e2e.consumed}, left in queues after the run {e2e.leftover}"
        )
    latency = results.latency
    if latency is not None:
        lines.append(
            f"{name} latency: {len(latency.samples_ms):,} of {latency.expected:,} events "
            f"measured, published over {latency.seconds:.2f} s"
        )
    return lines


def results_json(results: Results) -> dict[str, Any]:
    report: dict[str, Any] = {"note": results.note}
    report["postgres_note"] = results.postgres_note
    for name in (
        "ingest_normal",
        "ingest_full",
        "ingest_one_by_one",
        "ingest_postgres",
        "ingest_postgres_parallel",
    ):
        value = getattr(results, name)
        report[name] = (
            None if value is None else {**asdict(value), "events_per_s": value.events_per_s}
        )
    e2e = results.end_to_end
    report["end_to_end"] = (
        None
        if e2e is None
        else {
            **asdict(e2e),
            "events_per_s": e2e.events_per_s,
            "deliveries_per_s": e2e.deliveries_per_s,
        }
    )
    latency = results.latency
    report["latency_ms"] = (
        None
        if latency is None
        else {**latency.summary, "samples": len(latency.samples_ms), "expected": latency.expected}
    )
    return report


def print_profiles(folder: str, log: Console) -> None:
    for path in sorted(Path(folder).glob("*.pstats")):
        log.rule(f"profile {path.stem} (top 20 by own time)")
        stats = pstats.Stats(str(path), stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(20)


# -- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print a JSON report instead")
    parser.add_argument("--seed", type=int, default=20_240_501)
    parser.add_argument("--pool", type=int, default=1_000, help="distinct events, cycled")
    parser.add_argument("--dir", default=None, help="folder for the temporary SQLite files")
    parser.add_argument("--warmup-seconds", type=float, default=0.3)
    parser.add_argument("--ingest-seconds", type=float, default=3.0)
    parser.add_argument("--e2e-events", type=int, default=30_000)
    parser.add_argument("--e2e-timeout", type=float, default=40.0, help="seconds, then give up")
    parser.add_argument("--latency-rate", type=float, default=200.0, help="events/s")
    parser.add_argument("--latency-seconds", type=float, default=5.0)
    parser.add_argument("--latency-warmup", type=int, default=20, help="first events ignored")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--no-nats", action="store_true", help="measure orderflow only")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server for the ingest on PostgreSQL (a fresh database is created)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="no PostgreSQL ingest")
    parser.add_argument(
        "--postgres-publishers", type=int, default=4, help="processes for 1d (1: skip it)"
    )
    parser.add_argument(
        "--measure",
        type=lambda text: set(text.split(",")),
        default={"ingest", "e2e", "latency"},
        help="comma-separated subset of ingest,e2e,latency (default all)",
    )
    parser.add_argument(
        "--profile",
        default=None,
        metavar="DIR",
        help="cProfile the end-to-end publisher and consumers into DIR/*.pstats (slows them)",
    )
    # For the consumer processes this script starts.
    parser.add_argument(
        "--role",
        choices=[
            "main",
            "sqs-consumer",
            "sqs-latency",
            "nats-consumer",
            "nats-latency",
            "pg-publisher",
        ],
        default="main",
        help=argparse.SUPPRESS,
    )
    for name in ("--db", "--queue", "--ready", "--out", "--go"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--until", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.e2e_events -= args.e2e_events % PER_CALL
    return args


def run_role(args: argparse.Namespace) -> None:
    roles: dict[str, Callable[[argparse.Namespace], Awaitable[None] | None]] = {
        "sqs-consumer": sqs_consumer,
        "sqs-latency": sqs_latency,
        "nats-consumer": nats_consumer,
        "nats-latency": nats_latency_consumer,
        "pg-publisher": pg_publisher,
    }
    outcome = roles[args.role](args)
    if outcome is not None:
        asyncio.run(_awaited(outcome))


async def _awaited(awaitable: Awaitable[None]) -> None:
    await awaitable


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.role != "main":
        run_role(args)
        return
    log = Console(stderr=True)
    work = make_workload(args.pool, args.seed)
    facts = machine(args)
    started = time.monotonic()
    ours = measure_orderflow(args, work, log)
    if args.no_nats:
        theirs, version = Results(note="NATS: skipped (--no-nats)"), None
    else:
        theirs, version = asyncio.run(measure_nats(args, work, log))
    meta = {
        "seed": args.seed,
        "pool": args.pool,
        "queues": len(QUEUES),
        "mean_envelope_bytes": work.mean_envelope_bytes,
        "mean_detail_bytes": work.mean_detail_bytes,
        "ingest_seconds": args.ingest_seconds,
        "e2e_events": args.e2e_events,
        "latency_rate": args.latency_rate,
        "latency_seconds": args.latency_seconds,
        "nats_version": version,
        "postgres_version": postgres_version(args),
        "postgres_publishers": args.postgres_publishers,
        "run_seconds": time.monotonic() - started,
    }
    meta["load_average_after"] = [round(load, 2) for load in os.getloadavg()]
    if args.json:
        report = {
            **meta,
            "machine": facts,
            "orderflow": results_json(ours),
            "nats": results_json(theirs),
            "targets": verdicts(ours),
        }
        print(json.dumps(report, indent=2))
    else:
        console = Console(width=max(Console().width, REPORT_WIDTH))
        for key, value in facts.items():
            console.print(f"[dim]{key}: {value}[/]")
        console.print(results_table(ours, theirs, meta))
        for line in [*details("orderflow", ours), *details("NATS", theirs)]:
            console.print(f"[dim]{line}[/]")
        console.print(
            f"[dim]whole run: {meta['run_seconds']:.1f} s; load average after it: "
            f"{meta['load_average_after']}[/]"
        )
    busy = facts["load_average"][0] > 0.5 * (facts["cpus"] or 1)
    if busy:
        log.print(
            "[yellow]warning: the machine was busy when the run started (load average "
            f"{facts['load_average'][0]} on {facts['cpus']} CPUs): the figures are pessimistic[/]"
        )
    if args.profile:
        print_profiles(args.profile, log)


if __name__ == "__main__":
    main()
