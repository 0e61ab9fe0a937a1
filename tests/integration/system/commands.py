"""The ``orderflow`` command as a user runs it, in a subprocess: one-shot commands, and
``orderflow up`` started and read until it says it is ready."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO


def orderflow(
    *args: str, db: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    prefix = ["--db", str(db)] if db else []
    return subprocess.run(
        [sys.executable, "-m", "orderflow", *prefix, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def start_up(db: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """``orderflow --db DB up ARGS`` with its output (stderr included) on a pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "orderflow", "--db", str(db), "up", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def read_until(stream: IO[str], marker: str, limit: int = 200) -> list[str]:
    """Lines of ``stream`` up to the first one holding ``marker``."""
    lines: list[str] = []
    for line in stream:
        lines.append(line)
        if marker in line or len(lines) >= limit:
            break
    assert marker in lines[-1], "".join(lines)
    return lines
