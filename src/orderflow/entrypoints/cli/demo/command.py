"""``orderflow demo``: start the system for real (every part its own process, on a fresh
database in a temporary folder), run every scenario, print a summary and a trace."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Final

import typer
from rich.console import Console

from orderflow.bootstrap.system import System, install, open_system
from orderflow.entrypoints.cli.demo.scenarios import Demo, DemoFailed
from orderflow.entrypoints.cli.demo.summary import print_summary
from orderflow.entrypoints.cli.system.trace import load_trace, render
from orderflow.entrypoints.cli.system.up import wait_until_ready
from orderflow.entrypoints.system.client import ApiError, OrderApi
from orderflow.entrypoints.system.ports import free_port
from orderflow.entrypoints.system.supervisor import Supervisor, system_parts
from orderflow.services.topology import SUBSCRIPTIONS

PAUSE_S: Final = 0.5


def _scenarios(
    console: Console,
    *,
    system: System,
    supervisor: Supervisor,
    port: int,
    sink_port: int,
    started: float,
) -> None:
    if not wait_until_ready(f"http://127.0.0.1:{port}/health"):
        raise DemoFailed("the API did not start; see the log")
    console.print(
        f"started {len(supervisor.parts)} processes: API :{port}, SMTP sink :{sink_port}, "
        f"workers {', '.join(SUBSCRIPTIONS)} ({time.monotonic() - started:.1f} s)\n"
    )
    demo = Demo(system, OrderApi(f"http://127.0.0.1:{port}"), console.print)
    demo.poison()
    demo.tutorial(PAUSE_S)
    demo.fan_out()
    demo.out_of_stock()
    demo.versions()
    demo.fix_poison()
    console.print()
    left = print_summary(console, system, demo.orders)
    if left:
        raise DemoFailed(f"{left} message(s) left in dead-letter queues")
    console.print("\n[bold]Trace of the out-of-stock order[/] (orderflow trace ID):")
    trace = render(load_trace(system, demo.orders["out of stock (saga)"]))
    console.print(trace, soft_wrap=False)  # the tree wraps its lines, rather than crop them


def run_demo(keep: Path | None, pause: float) -> None:
    """The demo (see ``demo.demo_command``): in ``keep``, else a temporary folder."""
    console = Console(soft_wrap=True)  # paths and URLs whole in a log file too
    started = time.monotonic()
    folder = keep or Path(tempfile.mkdtemp(prefix="orderflow-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "demo.db"
    log_path = folder / "demo.log"
    system = open_system(db)
    install(system)
    port, sink_port = free_port(), free_port()
    log = log_path.open("w", encoding="utf-8")

    def to_log(name: str, lines: list[str]) -> None:
        log.write("".join(f"{line}\n" for line in lines))
        log.flush()

    supervisor = Supervisor(
        db,
        system_parts(
            host="127.0.0.1",
            port=port,
            smtp=None,
            sink_port=sink_port,
            workers=list(SUBSCRIPTIONS),
            retry_base_s=1,
        ),
        to_log,
    )
    console.print(f"[bold]orderflow demo[/]: database {db}, log {log_path}")
    supervisor.start()
    failed = False
    try:
        _scenarios(
            console,
            system=system,
            supervisor=supervisor,
            port=port,
            sink_port=sink_port,
            started=started,
        )
    except (DemoFailed, ApiError) as exc:
        failed = True
        console.print(f"[red bold]demo failed:[/] {exc}")
    finally:
        supervisor.stop()
        log.close()
        system.close()
    elapsed = time.monotonic() - started
    if failed:
        console.print(f"log: {log_path}")
        raise typer.Exit(1)
    console.print(f"\n[bold green]demo complete[/] in {elapsed:.1f} s; every DLQ is empty.")
