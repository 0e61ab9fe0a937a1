"""AWS endpoint benchmark: boto3 against ``orderflow serve``, next to moto's server.

Run with ``.venv/bin/python bench/aws_api.py`` (``--help`` for the knobs). Each server
runs in its own process on a free loopback port; this process is the one boto3 client.

Workload (the same on both servers): one SQS queue, one rule on the default bus matching
``{"source": ["com.example.orders"]}`` with the queue as its target (by ARN). Then, in a
loop: PutEvents of 10 order events (about 300 B of detail each), ReceiveMessage of up to
10 (repeated until the 10 routed messages are in hand) and DeleteMessageBatch of them.
Measured: events through the system per second (put, routed, received and deleted), after
a short warm-up. Both servers run throughout and are measured in alternating slices
(``--slices`` of ``--seconds`` each, or ``--max-events``, whichever comes first), so a
shared machine's load falls on both alike; the rate is all events over all slice time.
The target: orderflow at least ``--target`` times moto's rate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from argparse import SUPPRESS
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from rich.console import Console
from rich.table import Table

from orderflow.entrypoints.system.ports import free_port

PATTERN = json.dumps({"source": ["com.example.orders"]})
BATCH = 10
RECEIVE_ATTEMPTS = 50
CANNED = "canned answers"


@dataclass(frozen=True)
class Result:
    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def wait_until_listening(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


@contextmanager
def server(command: list[str], port: int) -> Iterator[str]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, process, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def orderflow_command(port: int, db: Path) -> list[str]:
    return [sys.executable, "-m", "orderflow", "serve", "--port", str(port), "--db", str(db)]


def moto_command(port: int) -> list[str]:
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def canned_command(port: int) -> list[str]:
    return [sys.executable, __file__, "--role", "canned", "--port", str(port)]


def serve_canned(port: int) -> None:
    """A server with canned answers (no engine), under uvicorn like ``orderflow serve``:
    what boto3 and the HTTP server cost by themselves, i.e. the ceiling of any server."""
    import hashlib

    import uvicorn

    body = entries(0)[0]["Detail"]
    digest = hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
    answers = {
        b"AWSEvents.PutEvents": {
            "FailedEntryCount": 0,
            "Entries": [{"EventId": f"e{n}"} for n in range(BATCH)],
        },
        b"AmazonSQS.ReceiveMessage": {
            "Messages": [
                {"MessageId": f"m{n}", "ReceiptHandle": f"h{n}", "MD5OfBody": digest, "Body": body}
                for n in range(BATCH)
            ]
        },
        b"AmazonSQS.DeleteMessageBatch": {
            "Successful": [{"Id": f"m{n}"} for n in range(BATCH)],
            "Failed": [],
        },
    }
    encoded = {target: json.dumps(answer).encode() for target, answer in answers.items()}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await receive()
        answer = encoded.get(dict(scope["headers"]).get(b"x-amz-target", b""), b"{}")
        headers = [(b"content-type", b"application/x-amz-json-1.0")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none")


def clients(url: str) -> tuple[Any, Any]:
    settings = {
        "endpoint_url": url,
        "region_name": "us-east-1",
        "aws_access_key_id": "bench",
        "aws_secret_access_key": "bench",
    }
    return boto3.client("events", **settings), boto3.client("sqs", **settings)


def entries(start: int) -> list[dict[str, str]]:
    return [
        {
            "Source": "com.example.orders",
            "DetailType": "OrderCreated",
            "Detail": json.dumps(
                {
                    "orderId": f"o-{start + n}",
                    "status": "CREATED",
                    "customerId": "c-1",
                    "items": [{"productId": "p-1", "quantity": 2, "price": 9.5}],
                    "total": 19.0,
                }
            ),
        }
        for n in range(BATCH)
    ]


@dataclass
class Target:
    """One server under test: its clients and its queue, set up and warmed up."""

    name: str
    events: Any
    sqs: Any
    queue: str
    slices: list[Result]


def prepare(name: str, url: str, warmup: int) -> Target:
    events, sqs = clients(url)
    if name == CANNED:
        return Target(name, events, sqs, f"{url}/000000000000/bench-orders", [])
    queue = sqs.create_queue(QueueName="bench-orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    events.put_rule(Name="bench", EventPattern=PATTERN)
    events.put_targets(Rule="bench", Targets=[{"Id": "q", "Arn": arn["Attributes"]["QueueArn"]}])
    for round_number in range(warmup):
        one_round(events, sqs, queue, round_number * BATCH)
    return Target(name, events, sqs, queue, [])


def measure(target: Target, seconds: float, max_events: int) -> None:
    """One slice: rounds until ``seconds`` or ``max_events``."""
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while done < max_events and time.perf_counter() < deadline:
        done += one_round(target.events, target.sqs, target.queue, done)
    target.slices.append(Result(target.name, done, time.perf_counter() - started))


def total(target: Target) -> Result:
    return Result(
        target.name,
        sum(piece.events for piece in target.slices),
        sum(piece.seconds for piece in target.slices),
    )


def one_round(events: Any, sqs: Any, queue: str, start: int) -> int:
    put = events.put_events(Entries=entries(start))
    if put["FailedEntryCount"]:
        raise RuntimeError(f"PutEvents failed: {put['Entries']}")
    handles: list[str] = []
    for _ in range(RECEIVE_ATTEMPTS):
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=BATCH)
        handles += [message["ReceiptHandle"] for message in answer.get("Messages", [])]
        if len(handles) >= BATCH:
            break
    if len(handles) < BATCH:
        raise RuntimeError(f"only {len(handles)} of {BATCH} routed messages arrived")
    deleted = sqs.delete_message_batch(
        QueueUrl=queue,
        Entries=[{"Id": f"m{n}", "ReceiptHandle": handle} for n, handle in enumerate(handles)],
    )
    if deleted.get("Failed"):
        raise RuntimeError(f"DeleteMessageBatch failed: {deleted['Failed']}")
    return BATCH


def machine() -> str:
    load = os.getloadavg()
    return (
        f"nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load {load[0]:.2f} {load[1]:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=3, help="alternating slices per server")
    parser.add_argument("--seconds", type=float, default=4.0, help="time per slice")
    parser.add_argument("--max-events", type=int, default=20_000, help="events per slice")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up rounds of 10 events")
    parser.add_argument("--target", type=float, default=20.0, help="orderflow / moto, at least")
    parser.add_argument("--no-moto", action="store_true", help="measure orderflow only")
    parser.add_argument(
        "--ceiling", action="store_true", help="also measure canned answers (boto3's own cost)"
    )
    parser.add_argument("--role", choices=["bench", "canned"], default="bench", help=SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=SUPPRESS)
    options = parser.parse_args()
    if options.role == "canned":
        serve_canned(options.port)
        return 0
    console = Console()
    console.print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder, ExitStack() as servers:
        ours = free_port()
        url = servers.enter_context(server(orderflow_command(ours, Path(folder) / "b.db"), ours))
        targets = [prepare("orderflow", url, options.warmup)]
        if not options.no_moto:
            theirs = free_port()
            url = servers.enter_context(server(moto_command(theirs), theirs))
            targets.append(prepare("moto 5.2.5", url, options.warmup))
        if options.ceiling:
            port = free_port()
            url = servers.enter_context(server(canned_command(port), port))
            targets.append(prepare(CANNED, url, options.warmup))
        for _ in range(options.slices):  # alternating, so both see the same machine load
            for target in targets:
                measure(target, options.seconds, options.max_events)
    results = [total(target) for target in targets]
    table = Table(title="boto3 PutEvents(10) -> rule -> SQS -> ReceiveMessage + DeleteMessageBatch")
    for column in ("server", "events", "seconds", "events/s", "slices (events/s)", "vs moto"):
        table.add_column(column, justify="right")
    moto_rate = next((r.rate for r in results if r.name.startswith("moto")), None)
    for target, result in zip(targets, results, strict=True):
        ratio = f"{result.rate / moto_rate:.1f}x" if moto_rate else "-"
        spread = " ".join(f"{piece.rate:,.0f}" for piece in target.slices)
        table.add_row(
            result.name,
            str(result.events),
            f"{result.seconds:.2f}",
            f"{result.rate:,.0f}",
            spread,
            ratio,
        )
    console.print(table)
    console.print(f"load after: {os.getloadavg()[0]:.2f}")
    if moto_rate is None:
        return 0
    ratio = results[0].rate / moto_rate
    verdict = "PASS" if ratio >= options.target else "FAIL"
    console.print(f"target orderflow >= {options.target:g}x moto: {ratio:.1f}x -> {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
