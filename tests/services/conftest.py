"""The services suite on every transport: ``transport`` parametrizes a test that asks for
it (``pytestmark = pytest.mark.usefixtures("transport")``), and ``make_harness`` builds
on it. moto's server is started once, on loopback, and reset before each test."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderflow.entrypoints.system.ports import free_port
from tests.services.carriers import REGION, REMOTE, TRANSPORTS
from tests.services.harness import on_transport


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=TRANSPORTS)
def transport(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    name: str = request.param
    url = None
    if name in REMOTE:  # the remote transport takes credentials from the SDK's chain
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    if name == "moto":
        url = request.getfixturevalue("moto_url")
        reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(reset, timeout=10):
            pass
    with on_transport(name, tmp_path, url):
        yield name
