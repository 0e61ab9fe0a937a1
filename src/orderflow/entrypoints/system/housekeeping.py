"""Housekeeping while ``orderflow up`` runs: the services' history pruned past an age,
at start and then every hour (see runtime/retention.py for what goes and what stays)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final

from orderflow.bootstrap import AwsConnection
from orderflow.bootstrap.system import event_sources, open_system
from orderflow.errors import OrderflowError
from orderflow.runtime.ports import Record
from orderflow.runtime.retention import plan, prune

INTERVAL_S: Final = 3600.0
NAME: Final = "housekeeping"


class Housekeeping:
    """Prunes ``db``'s history older than ``keep_ms`` every ``interval_s``, on a thread of
    its own; says what it pruned (or why it could not) through ``report``."""

    def __init__(
        self,
        db: str | Path,
        keep_ms: int,
        report: Callable[[str, list[str]], None],
        *,
        interval_s: float = INTERVAL_S,
        aws: AwsConnection | None = None,
    ) -> None:
        self._db = db
        self._aws = aws
        self._keep_ms = keep_ms
        self._report = report
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=NAME, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.prune_once()
            self._stop.wait(self._interval_s)

    def prune_once(self) -> dict[Record, int]:
        """One pass: what went, by record (nothing said when nothing went)."""
        try:
            system = open_system(self._db, aws=self._aws)
            try:
                with event_sources(system) as sources:
                    retention = plan(sources, system.clock.now_ms(), self._keep_ms)
                counts = prune(system.state, retention, stopped=self._stop.is_set)
            finally:
                system.close()
        except (OrderflowError, OSError) as exc:
            self._report(NAME, [f"prune failed (tried again at the next pass): {exc}"])
            return {}
        if any(counts.values()):
            pruned = ", ".join(f"{count:,} {record}" for record, count in counts.items() if count)
            self._report(NAME, [f"pruned the history older than the retention: {pruned}"])
        return counts
