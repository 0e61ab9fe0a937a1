"""No call is answered before its commit is synced: ``orderflow serve`` under an LD_PRELOAD
shim (``fsync_shim.c``, compiled here with gcc) that delays every fsync/fdatasync of the
WAL by 20 ms and logs when each began and ended, and when each call's unique token was
first written to the WAL. Eight HTTP clients send SendMessage and PutEvents at once; for
each answered call there must be a WAL sync that began after its token was written and
ended before its answer arrived. With ``synchronous=NORMAL`` (answers without a sync)
the same check fails, which shows that it can; fewer syncs than calls shows that the
calls shared them (group commit)."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orderflow.entrypoints.system.ports import free_port
from tests.integration.reliability.workers import subprocess_env

SHIM = Path(__file__).with_name("fsync_shim.c")
DELAY_US = 20_000
CLIENTS = 8
CALLS_PER_CLIENT = 4
PATTERN = json.dumps({"source": ["fsync.test"]})


@dataclass(frozen=True)
class Answered:
    token: str
    sent_ns: int
    answered_ns: int


@dataclass(frozen=True)
class Log:
    syncs: list[tuple[int, int]]
    first_write: dict[str, int]


def read_log(path: Path) -> Log:
    syncs: list[tuple[int, int]] = []
    first_write: dict[str, int] = {}
    for line in path.read_text().splitlines():
        kind, at, rest = line.split(" ", 2)
        if kind == "S":
            syncs.append((int(at), int(rest)))
        else:
            first_write.setdefault(rest, int(at))
    return Log(syncs, first_write)


def unsynced(calls: list[Answered], log: Log) -> list[str]:
    """The calls answered with no WAL sync between their write and their answer."""
    return [
        call.token
        for call in calls
        if call.token not in log.first_write
        or not any(
            start >= log.first_write[call.token] and end <= call.answered_ns
            for start, end in log.syncs
        )
    ]


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("gcc")
    if compiler is None or not sys.platform.startswith("linux"):
        pytest.skip("needs gcc and Linux (LD_PRELOAD, /proc/self/fd) to build the fsync shim")
    built = tmp_path_factory.mktemp("shim") / "fsync_shim.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", built, SHIM, "-ldl"], check=True)
    return built


class Endpoint:
    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, connection: http.client.HTTPConnection, target: str, body: Any) -> Any:
        version = "1.0" if target.startswith("AmazonSQS") else "1.1"
        connection.request(
            "POST",
            "/",
            json.dumps(body),
            {"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}"},
        )
        response = connection.getresponse()
        document = json.loads(response.read() or b"{}")
        assert response.status == 200, document
        return document

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


@contextmanager
def serve(tmp_path: Path, shim: Path, synchronous: str) -> Iterator[tuple[Endpoint, Path]]:
    log = tmp_path / "syncs.log"
    port = free_port()
    env = {
        **subprocess_env(),
        "LD_PRELOAD": str(shim),
        "FSYNC_SHIM_LOG": str(log),
        "FSYNC_SHIM_DELAY_US": str(DELAY_US),
        "ORDERFLOW_SYNCHRONOUS": synchronous,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orderflow",
            "serve",
            "--db",
            str(tmp_path / "db.sqlite"),
            "--port",
            str(port),
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = Endpoint(port)
        deadline = time.monotonic() + 20
        while True:
            try:
                probe = endpoint.connect()
                probe.request("GET", "/")
                probe.getresponse().read()
                probe.close()
                break
            except OSError:
                assert process.poll() is None, "orderflow serve exited"
                assert time.monotonic() < deadline, "orderflow serve did not start"
                time.sleep(0.05)
        yield endpoint, log
    finally:
        process.terminate()
        process.wait(10)


def run_clients(endpoint: Endpoint) -> list[Answered]:
    connection = endpoint.connect()
    queue_url = endpoint.call(connection, "AmazonSQS.CreateQueue", {"QueueName": "q"})["QueueUrl"]
    arn = "arn:aws:sqs:us-east-1:000000000000:q"
    endpoint.call(connection, "AWSEvents.PutRule", {"Name": "r", "EventPattern": PATTERN})
    endpoint.call(
        connection, "AWSEvents.PutTargets", {"Rule": "r", "Targets": [{"Id": "q", "Arn": arn}]}
    )
    answered: list[Answered] = []
    start = threading.Barrier(CLIENTS)

    def client(number: int) -> None:
        mine = endpoint.connect()
        start.wait()
        for index in range(CALLS_PER_CLIENT):
            token = f"fsynctoken-{uuid.uuid4().hex[:12]}"
            sent = time.monotonic_ns()
            if (number + index) % 2:
                body = {"QueueUrl": queue_url, "MessageBody": token}
                endpoint.call(mine, "AmazonSQS.SendMessage", body)
            else:
                entry = {
                    "Source": "fsync.test",
                    "DetailType": "t",
                    "Detail": json.dumps({"t": token}),
                }
                result = endpoint.call(mine, "AWSEvents.PutEvents", {"Entries": [entry]})
                assert result["FailedEntryCount"] == 0, result
            answered.append(Answered(token, sent, time.monotonic_ns()))
        mine.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    connection.close()
    assert len(answered) == CLIENTS * CALLS_PER_CLIENT
    return answered


def test_no_call_is_answered_before_its_commit_is_synced(tmp_path: Path, shim: Path) -> None:
    with serve(tmp_path, shim, "FULL") as (endpoint, log_path):
        calls = run_clients(endpoint)
        log = read_log(log_path)
        assert unsynced(calls, log) == []
        commit_syncs = [s for s in log.syncs if s[0] >= min(c.sent_ns for c in calls)]
        assert len(commit_syncs) < len(calls) * 0.75, (len(commit_syncs), len(calls))


def test_the_check_fails_when_calls_are_answered_unsynced(tmp_path: Path, shim: Path) -> None:
    with serve(tmp_path, shim, "NORMAL") as (endpoint, log_path):
        calls = run_clients(endpoint)
        assert len(unsynced(calls, read_log(log_path))) > len(calls) // 2
