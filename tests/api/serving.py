"""An ASGI app served by a real uvicorn on a loopback port, for tests that speak HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from orderflow.entrypoints.system.ports import free_port

STARTUP_DEADLINE_S = 10.0


@contextmanager
def served(app: Any) -> Iterator[httpx.Client]:
    """An HTTP client of ``app``, served until the block ends."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        lifespan="off",
        ws="none",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped during startup"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{config.port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_DEADLINE_S)
        assert not thread.is_alive(), "uvicorn did not stop"
