"""The exports the deploy tests read, each made once per session through the CLI
(``orderflow export ...``), from the services' topology; and moto's server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orderflow.entrypoints.cli.app import build_app
from orderflow.entrypoints.system.ports import free_port


def export(*args: str | Path) -> None:
    """Run ``orderflow export ARGS``; it must succeed."""
    result = CliRunner().invoke(build_app(), ["export", *(str(arg) for arg in args)])
    assert result.exit_code == 0, result.output


@dataclass(frozen=True)
class Exported:
    """One topology exported both ways."""

    template_path: Path
    terraform: Path

    @property
    def template(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.template_path.read_text(encoding="utf-8"))
        return loaded

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """The template's resources of one type, by logical id."""
        return {
            logical: resource
            for logical, resource in self.template["Resources"].items()
            if resource["Type"] == kind
        }


def _exported(root: Path, *options: str) -> Exported:
    template = root / "template.json"
    export("cloudformation", template, *options)
    export("terraform", root / "infra", *options)
    return Exported(template, root / "infra")


@pytest.fixture(scope="session")
def with_queues(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """The services' topology, its consumers left to run elsewhere (the default)."""
    return _exported(tmp_path_factory.mktemp("queues"))


@pytest.fixture(scope="session")
def with_lambdas(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """The services' topology, each consumer a Lambda function."""
    return _exported(tmp_path_factory.mktemp("lambdas"), "--consumers", "lambda")


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's server, in a process of its own on a free loopback port: its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
