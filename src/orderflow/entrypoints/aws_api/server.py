"""Serving the endpoint with uvicorn: in the foreground (``orderflow serve``) or in a
background thread on a free port (tests, benchmarks, embedding)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Final

import uvicorn
from starlette.types import ASGIApp

from orderflow.entrypoints.aws_api.address import DEFAULT_HOST, DEFAULT_PORT
from orderflow.entrypoints.aws_api.app import AwsApiSettings, build_aws_app
from orderflow.entrypoints.http_limits import MAX_CONNECTIONS, REQUEST_TIMEOUT_S, limited_config
from orderflow.entrypoints.observability.exposition import MetricsBeside
from orderflow.entrypoints.observability.metrics import metrics_registry
from orderflow.errors import OrderflowError
from orderflow.eventbus.engine import Engine

STARTUP_TIMEOUT_S: Final = 10.0
KEEP_ALIVE_S: Final = 75
"""An idle connection's life: SDKs reuse pooled connections, and one closed as a request
is sent on it costs the client a retry."""


class ServerError(OrderflowError):
    """The endpoint could not start (e.g. the port is taken)."""


def _with_metrics(engine: Engine, settings: AwsApiSettings | None) -> ASGIApp:
    """The endpoint, with ``/metrics`` (the engine's store) in front of it."""
    app = build_aws_app(engine, settings)
    return MetricsBeside(app, metrics_registry(engine.clock, engine))


def _config(app: ASGIApp, host: str, port: int, limits: HttpLimits | None) -> uvicorn.Config:
    """uvicorn's settings: the read deadlines, header and connection limits of
    ``entrypoints.http_limits`` (as the order API has them), a longer keep-alive (AWS SDKs
    keep their connections in a pool)."""
    chosen = limits or HttpLimits()
    return limited_config(
        app,
        host=host,
        port=port,
        request_timeout_s=chosen.request_timeout_s,
        keep_alive_s=chosen.keep_alive_s,
        max_connections=chosen.max_connections,
        lifespan="on",
    )


@dataclass(frozen=True)
class HttpLimits:
    """How long a request may take to arrive, how long an idle connection stays, how many
    connections at once (``entrypoints.http_limits``)."""

    request_timeout_s: float = REQUEST_TIMEOUT_S
    keep_alive_s: int = KEEP_ALIVE_S
    max_connections: int = MAX_CONNECTIONS


def serve(
    engine: Engine,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    settings: AwsApiSettings | None = None,
    limits: HttpLimits | None = None,
) -> None:
    """Serve the endpoint until interrupted (Ctrl-C)."""
    server = uvicorn.Server(_config(_with_metrics(engine, settings), host, port, limits))
    server.run()
    if not server.started:
        raise ServerError(f"Could not listen on {host}:{port}: is the port in use?")


@dataclass
class RunningServer:
    """An endpoint serving in a background thread; ``stop()`` ends it."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=STARTUP_TIMEOUT_S)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_in_thread(
    engine: Engine,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    settings: AwsApiSettings | None = None,
    limits: HttpLimits | None = None,
) -> RunningServer:
    """Start the endpoint in a daemon thread (``port=0``: a free port); its URL is known
    once it listens."""
    server = uvicorn.Server(_config(_with_metrics(engine, settings), host, port, limits))
    thread = threading.Thread(target=server.run, name="orderflow-aws-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ServerError(f"The endpoint did not start on {host}:{port}.")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    return RunningServer(f"http://{host}:{bound_port}", server, thread)
