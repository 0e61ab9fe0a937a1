"""Worker processes for the reliability tests, and the helpers the tests drive them with.

Run as ``python -m tests.integration.reliability.workers <role> <db> ...``; every
role prints one line per thing it did, flushed at once, so the test process knows
exactly what a worker did before it was killed:

- ``hold <db> <queue> <count> <visibility_s> <delete>``: print ``WAITING``, wait for a
  line on stdin, receive ``count`` messages with that visibility timeout, print
  ``HELD <id> <receive count>`` for each, delete the first ``delete`` of them
  (``DELETED <id>``), print ``READY`` and sleep forever.
- ``publish <db> <tag> <batch>``: PutEvents in a loop, ``batch`` entries a call,
  printing ``EVENT <event id> <tag> <batch number> <event number>`` for each entry
  right after PutEvents returned, forever.
- ``fail <db> <queue> <visibility_s>``: a consumer whose handler always raises:
  prints ``RECEIVED <id> <receive count>`` for every message it receives, never
  deletes one.
- ``read-only <db>``: (as root: after dropping to user nobody, so file permissions
  apply) open the engine and try a read and some writes, printing one JSON line per
  operation with the error it raised.

The test side: ``running(role, ...)`` starts a worker as a real subprocess (with the
same ``orderflow`` the tests import) and always reaps it; ``opened(db)`` is an engine
on the file; ``table_contents(db)`` reads every table straight from SQLite, and
``integrity(db)`` runs SQLite's integrity check on it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import orderflow
from orderflow.bootstrap import open_engine
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.queues import ReceivedMessage

REPO_ROOT: Final = Path(__file__).resolve().parents[3]
MODULE: Final = "tests.integration.reliability.workers"
STARTUP_TIMEOUT_S: Final = 60.0  # generous: a loaded CI machine may start Python slowly
PUBLISHER_SOURCE: Final = "reliability.publisher"
NOBODY: Final = 65534


# -- the worker roles (in the subprocess) ---------------------------------------------


def _say(line: str) -> None:
    print(line, flush=True)


def _sleep_forever() -> None:
    while True:
        time.sleep(3600)


def _hold(db: str, queue_name: str, count: int, visibility_s: int, delete: int) -> None:
    engine = open_engine(db)
    _say("WAITING")
    sys.stdin.readline()  # the test says when, so that several consumers receive together
    held: list[ReceivedMessage] = []
    while len(held) < count:
        received = engine.sqs.receive_message(
            queue_name,
            max_messages=min(10, count - len(held)),
            visibility_timeout=visibility_s,
            wait_time_seconds=1,
            attribute_names=["ApproximateReceiveCount"],
        )
        for message in received:
            _say(f"HELD {message.message_id} {message.attributes['ApproximateReceiveCount']}")
        held.extend(received)
    for message in held[:delete]:
        engine.sqs.delete_message(queue_name, message.receipt_handle)
        _say(f"DELETED {message.message_id}")
    _say("READY")
    _sleep_forever()


def _publish(db: str, tag: str, batch: int) -> None:
    engine = open_engine(db)
    number = 0
    batch_number = 0
    while True:
        numbers = range(number, number + batch)
        entries = [
            {
                "Source": PUBLISHER_SOURCE,
                "DetailType": "Tick",
                "Detail": json.dumps(
                    {
                        "publisher": tag,
                        "batch": batch_number,
                        "number": n,
                        "parity": "even" if n % 2 == 0 else "odd",
                    }
                ),
            }
            for n in numbers
        ]
        result = engine.events.put_events(entries)
        if result.failed_entry_count:
            _say(f"FAILED {json.dumps(result.as_aws())}")
            sys.exit(1)
        for n, entry in zip(numbers, result.entries, strict=True):
            _say(f"EVENT {entry.event_id} {tag} {batch_number} {n}")
        number += batch
        batch_number += 1


def _handle(body: str) -> None:
    raise RuntimeError(f"cannot handle {len(body)} bytes: the handler always fails")


def _fail(db: str, queue_name: str, visibility_s: int) -> None:
    engine = open_engine(db)
    while True:
        for message in engine.sqs.receive_message(
            queue_name,
            max_messages=10,
            visibility_timeout=visibility_s,
            wait_time_seconds=1,
            attribute_names=["ApproximateReceiveCount"],
        ):
            _say(f"RECEIVED {message.message_id} {message.attributes['ApproximateReceiveCount']}")
            with contextlib.suppress(RuntimeError):
                _handle(message.body)


def _report(operation: str, error: BaseException | None) -> None:
    _say(
        json.dumps(
            {
                "operation": operation,
                "error": None if error is None else type(error).__name__,
                "module": None if error is None else type(error).__module__,
                "message": None if error is None else str(error),
            }
        )
    )


def _read_only(db: str) -> None:
    if os.geteuid() == 0:  # root writes through any permission: become nobody first
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    _say(json.dumps({"operation": "whoami", "uid": os.geteuid()}))
    try:
        engine = open_engine(db)
    except Exception as error:
        _report("open", error)
        return
    _report("open", None)
    calls: list[tuple[str, Callable[[], object]]] = [
        ("ReceiveMessage", lambda: engine.sqs.receive_message("orders")),
        ("SendMessage", lambda: engine.sqs.send_message("orders", "written?")),
        (
            "PutEvents",
            lambda: engine.events.put_events(
                [{"Source": "orders", "DetailType": "Placed", "Detail": '{"id": 1}'}]
            ),
        ),
        ("CreateQueue", lambda: engine.sqs.create_queue("more")),
    ]
    for operation, call in calls:
        try:
            call()
        except Exception as error:
            _report(operation, error)
        else:
            _report(operation, None)


def main(argv: list[str]) -> None:
    role, db, *rest = argv
    if role == "hold":
        _hold(db, rest[0], int(rest[1]), int(rest[2]), int(rest[3]))
    elif role == "publish":
        _publish(db, rest[0], int(rest[1]))
    elif role == "fail":
        _fail(db, rest[0], int(rest[1]))
    elif role == "read-only":
        _read_only(db)
    else:
        raise SystemExit(f"unknown role {role!r}")


# -- the test side ----------------------------------------------------------------------


def subprocess_env() -> dict[str, str]:
    """The environment for workers: they import the same orderflow as this process (the
    source tree or the installed package) and find the ``tests`` package."""
    package_root = str(Path(orderflow.__file__).resolve().parents[1])
    paths = [package_root, str(REPO_ROOT)]
    existing = os.environ.get("PYTHONPATH")
    if existing:
        paths.append(existing)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}


class Worker:
    """A worker subprocess; a thread collects its output lines as they come."""

    def __init__(self, role: str, *args: object) -> None:
        self.role = role
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", MODULE, role, *(str(arg) for arg in args)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            stdin=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=REPO_ROOT,
            env=subprocess_env(),
        )
        self.lines: list[str] = []
        self._pending: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._pending.put(line.rstrip("\n"))
        self._pending.put(None)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()

    def send(self, line: str) -> None:
        """Write a line to the worker's stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def next_line(self, deadline: float) -> str:
        """The next line the worker prints, waiting until ``deadline`` (monotonic) at most."""
        try:
            line = self._pending.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            raise AssertionError(
                f"worker {self.role} printed nothing more in time; stderr:\n{self.stderr()}"
            ) from None
        if line is None:
            self._pending.put(None)
            raise AssertionError(
                f"worker {self.role} exited ({self.process.wait()}) early; stderr:\n{self.stderr()}"
            )
        self.lines.append(line)
        return line

    def read_until(
        self, done: Callable[[str], bool], timeout_s: float = STARTUP_TIMEOUT_S
    ) -> list[str]:
        """Lines up to and including the first one ``done`` accepts."""
        deadline = time.monotonic() + timeout_s
        start = len(self.lines)
        while not done(self.next_line(deadline)):
            pass
        return self.lines[start:]

    def finish(self, timeout_s: float = STARTUP_TIMEOUT_S) -> list[str]:
        """Wait for the worker to end by itself; every line it printed."""
        code = self.process.wait(timeout=timeout_s)
        lines = self.kill()
        assert code == 0, f"worker {self.role} exited with {code}; stderr:\n{self.stderr()}"
        return lines

    def kill(self) -> list[str]:
        """SIGKILL the worker, reap it; every line it printed before dying."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STARTUP_TIMEOUT_S)
        self._reader.join(timeout=STARTUP_TIMEOUT_S)
        while True:
            line = self._pending.get_nowait() if not self._pending.empty() else None
            if line is None:
                break
            self.lines.append(line)
        return self.lines

    def close(self) -> None:
        self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()


@contextlib.contextmanager
def running(role: str, *args: object) -> Iterator[Worker]:
    """A worker subprocess, killed and reaped when the block ends (whatever happens)."""
    worker = Worker(role, *args)
    try:
        yield worker
    finally:
        worker.close()


@contextlib.contextmanager
def opened(db: Path, **options: Any) -> Iterator[Engine]:
    """The engine on ``db``, closed when the block ends."""
    engine = open_engine(db, **options)
    try:
        yield engine
    finally:
        engine.store.close()


def integrity(db: Path) -> list[str]:
    """What SQLite's ``PRAGMA integrity_check`` says about the file (``["ok"]`` if sound)."""
    connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


def table_contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the SQLite file, read directly (not through the engine)."""
    connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
        }
    finally:
        connection.close()


if __name__ == "__main__":
    main(sys.argv[1:])
