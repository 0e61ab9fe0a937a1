"""The supervisor of ``orderflow up``: starts every part as its own process, forwards their
output as one stream, restarts a part that dies, and stops them all cleanly.

Output is forwarded in batches of whole lines, gathered for ``GATHER_S`` after each read:
under load the parts print thousands of lines a second, and reading them one by one
woke the supervisor (and cost a context switch) for every line.

Stopping sends SIGTERM: workers finish the round in progress (drain) and exit, the
API finishes its requests; whatever is still alive after the grace period gets SIGKILL.
A supervisor killed at once cannot: its parts then stop by themselves (``orphans``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from orderflow.entrypoints.system.orphans import SUPERVISOR_VARIABLE

GRACE_S: Final = 10.0
RESTART_DELAY_S: Final = 1.0
GATHER_S: Final = 0.02
_READ_BYTES: Final = 1 << 16


@dataclass
class Part:
    """One process: its name and the ``orderflow`` arguments that run it."""

    name: str
    arguments: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0


@dataclass
class Supervisor:
    db: str | Path
    """The database every part opens (``--db``: a path or a URL)."""
    parts: list[Part]
    emit: Callable[[str, list[str]], None]
    """Called with (part name, lines) for each batch of whole lines a part printed."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Variables each part gets beside this process's environment (the log format, say)."""
    _stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _watcher: threading.Thread | None = None

    def command(self, part: Part) -> list[str]:
        return [sys.executable, "-m", "orderflow", "--db", str(self.db), *part.arguments]

    def start(self) -> None:
        for part in self.parts:
            self._spawn(part)
        self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._watcher.start()

    def _spawn(self, part: Part) -> None:
        environment = {
            **os.environ,
            **self.environment,
            "PYTHONUNBUFFERED": "1",
            SUPERVISOR_VARIABLE: str(os.getpid()),  # a part stops once it is orphaned
        }
        part.process = subprocess.Popen(
            self.command(part),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=environment,
        )
        part.started_at = time.monotonic()
        assert part.process.stdout is not None
        reader = threading.Thread(
            target=self._forward, args=(part.name, part.process.stdout), daemon=True
        )
        reader.start()
        self._threads.append(reader)

    def _forward(self, name: str, stream: IO[bytes]) -> None:
        """Forward the part's output until it closes: what one read returns, cut at the
        last line break (the rest waits for its end), then a pause to let more gather."""
        partial = b""
        with stream:
            descriptor = stream.fileno()
            while chunk := os.read(descriptor, _READ_BYTES):
                *lines, partial = (partial + chunk).split(b"\n")
                if lines:
                    self.emit(name, [line.decode("utf-8", "replace") for line in lines])
                time.sleep(GATHER_S)
        if partial:
            self.emit(name, [partial.decode("utf-8", "replace")])

    def _watch(self) -> None:
        while not self._stopping.wait(0.2):
            for part in self.parts:
                process = part.process
                if process is None or process.poll() is None:
                    continue
                self.emit(
                    "supervisor",
                    [f"{part.name} exited with status {process.returncode}; restarting it"],
                )
                if self._stopping.wait(RESTART_DELAY_S):
                    return
                part.restarts += 1
                self._spawn(part)

    def pid(self, name: str) -> int | None:
        for part in self.parts:
            if part.name == name and part.process is not None:
                return part.process.pid
        return None

    def stop(self, grace_s: float = GRACE_S) -> None:
        """SIGTERM every part, wait for them to drain, SIGKILL the stragglers."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()  # no part is restarted from here on
        running = [p.process for p in self.parts if p.process and p.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for thread in self._threads:
            thread.join(timeout=1.0)


def system_parts(
    *,
    host: str,
    port: int,
    smtp: str | None,
    sink_port: int,
    workers: Sequence[str],
    smtp_ca_file: Path | None = None,
    mail_from: str | None = None,
    retry_base_s: int | None = 1,
    transport: Sequence[str] = (),
    worker_wait_s: int | None = None,
    replicas: Mapping[str, int] | None = None,
    worker_options: Mapping[str, Sequence[str]] | None = None,
    api_options: Sequence[str] = (),
) -> list[Part]:
    """The processes of ``orderflow up``: the mail sink (unless a real SMTP server is
    configured), the HTTP API, and one worker per consumer — ``replicas[NAME]`` of them
    (parts ``NAME-1`` … ``NAME-N``) where more are asked for; ``transport``: the options
    that choose the API's and workers' transport (``--aws ...``); ``worker_options``: more
    options for some workers (``--app`` for an application's consumers);
    ``retry_base_s``: None leaves each consumer its queue settings'. The workers inherit
    the environment, and with it the SMTP password and AWS credentials (never on a command
    line); ``api_options``: the API's own (``--require-credentials``: its keys, like the
    API keys, go through the environment)."""
    parts: list[Part] = []
    mail = ["--smtp", smtp or f"127.0.0.1:{sink_port}"]
    if smtp is None:
        parts.append(
            Part("mail-sink", ["mail-sink", "--host", "127.0.0.1", "--port", str(sink_port)])
        )
    if smtp_ca_file is not None:
        mail += ["--smtp-ca-file", str(smtp_ca_file)]
    if mail_from is not None:
        mail += ["--mail-from", mail_from]
    parts.append(
        Part(
            "api",
            ["api", "--host", host, "--port", str(port), "--no-install", *transport, *api_options],
        )
    )
    for name in workers:
        arguments = [
            "worker",
            name,
            *mail,
            *(["--retry-base", str(retry_base_s)] if retry_base_s is not None else []),
            "--no-install",
            *transport,
            *(["--wait-time", str(worker_wait_s)] if worker_wait_s is not None else []),
            *(worker_options or {}).get(name, ()),
        ]
        count = (replicas or {}).get(name, 1)
        if count == 1:
            parts.append(Part(name, arguments))
        else:
            parts.extend(Part(f"{name}-{n}", list(arguments)) for n in range(1, count + 1))
    return parts
