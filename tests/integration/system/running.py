"""The order system running for real: a SQLite file, the SMTP sink and every worker as its
own process (through the same supervisor as ``orderflow up``), for integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

from orderflow.bootstrap.system import System, install, open_system
from orderflow.entrypoints.cli.demo.scenarios import wait_for as demo_wait_for
from orderflow.entrypoints.system.ports import free_port
from orderflow.entrypoints.system.supervisor import Supervisor, system_parts
from orderflow.services.orders.records import ORDER
from orderflow.services.topology import SUBSCRIPTIONS
from tests.support.orders import place_order

T = TypeVar("T")
VISIBILITY_S: Final = 2
"""Queues' visibility timeout here, so that messages a killed worker held come back soon."""


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = 30.0) -> T:
    """The demo's ``wait_for``, with a longer default (a loaded CI machine is slower)."""
    return demo_wait_for(what, probe, timeout_s)


@dataclass
class Running:
    system: System
    supervisor: Supervisor
    log: list[str] = field(default_factory=list)

    def place(self, *items: tuple[str, int, str], eligible: bool = True) -> str:
        return place_order(self.system, "it-customer", *items, eligible=eligible)

    def orders(self) -> list[dict[str, Any]]:
        with self.system.state.reader() as state:
            return list(state.scan(ORDER))

    def scan(self, kind: str) -> list[dict[str, Any]]:
        with self.system.state.reader() as state:
            return list(state.scan(kind))


@contextmanager
def running_system(folder: Path, *, retry_base_s: int = 0) -> Iterator[Running]:
    db = folder / "orderflow.db"
    system = open_system(db)
    install(system)
    for subscription in SUBSCRIPTIONS.values():
        system.engine.sqs.set_queue_attributes(
            subscription.queue, {"VisibilityTimeout": str(VISIBILITY_S)}
        )
    log: list[str] = []
    parts = [
        part
        for part in system_parts(
            host="127.0.0.1",
            port=free_port(),
            smtp=None,
            sink_port=free_port(),
            workers=list(SUBSCRIPTIONS),
            retry_base_s=retry_base_s,
        )
        if part.name != "api"
    ]
    supervisor = Supervisor(
        db, parts, lambda name, lines: log.extend(f"{name}: {line}" for line in lines)
    )
    supervisor.start()
    try:
        wait_for(
            "every worker to start",
            lambda: sum(line.endswith(" started") for line in log) >= len(SUBSCRIPTIONS),
        )
        wait_for("the mail sink to listen", lambda: any("listening on" in line for line in log))
        yield Running(system, supervisor, log)
    finally:
        supervisor.stop()
        system.close()
