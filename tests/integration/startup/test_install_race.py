"""Processes started at the same moment on a fresh database each install the services'
topology: none of them fails because another created a bus or a queue first, and the
topology ends as one install makes it (every process started in any order agrees).

Each "process" here is a thread with a system of its own (its own store and
connections), as ``orderflow worker`` and ``orderflow api`` started together have."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from orderflow.bootstrap.system import System, install, open_system, services_topology
from orderflow.entrypoints.system.ports import free_port
from orderflow.eventbus.topology_file.plan import plan
from tests.integration.system.commands import read_until

PROCESSES = 4


def install_at_once(open_one: Callable[[], System]) -> list[BaseException]:
    """``install`` on ``PROCESSES`` systems started together; what each raised."""
    systems = [open_one() for _ in range(PROCESSES)]
    barrier = threading.Barrier(PROCESSES)
    errors: list[BaseException] = []

    def run(system: System) -> None:
        barrier.wait()
        try:
            install(system)
        except BaseException as exc:  # reported by the test, in its own thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(system,)) for system in systems]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert systems[0].embedded is not None
        left = plan(systems[0].embedded, services_topology())
        assert not left.changes, [change.summary for change in left.changes]  # nothing left
    finally:
        for system in systems:
            system.close()
    return errors


@pytest.mark.parametrize("attempt", range(3))
def test_processes_installing_at_once_on_a_fresh_file_all_start(
    tmp_path: Path, attempt: int
) -> None:
    db = tmp_path / f"fresh-{attempt}.db"
    assert install_at_once(lambda: open_system(db)) == []


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_processes_installing_at_once_on_a_fresh_postgresql_database_all_start(
    empty_database: str, attempt: int
) -> None:
    assert install_at_once(lambda: open_system(empty_database)) == []


def test_a_worker_and_the_api_started_together_on_a_fresh_file_both_run(tmp_path: Path) -> None:
    """As a user starts them, from two terminals at once: each installs the topology."""
    db = tmp_path / "fresh.db"
    commands = {  # each command, and what it says once it has installed and runs
        ("api", "--port", str(free_port())): "listening on",
        ("worker", "inventory"): "started",
        ("worker", "order-processing"): "started",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "orderflow", "--db", str(db), *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in commands
    ]
    try:
        for process, ready in zip(processes, commands.values(), strict=True):
            assert process.stdout is not None
            lines = read_until(process.stdout, ready)  # a process that died ends its output
            assert not any("already exists" in line for line in lines), lines
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [stopped(process) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs


def stopped(process: subprocess.Popen[str], timeout_s: float = 30) -> str:
    """The rest of a process's output once it has stopped (killed if it would not)."""
    try:
        return process.communicate(timeout=timeout_s)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0] + "\n(did not stop on SIGTERM: killed)"
