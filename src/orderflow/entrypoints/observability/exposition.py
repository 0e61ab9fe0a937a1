"""``/metrics``: the registry in Prometheus's text format, as an ASGI application.

The store is read on a worker thread (a scrape never blocks the event loop that serves
the API and the AWS endpoint). ``MetricsBeside`` answers ``GET /metrics`` in front of
another ASGI application (``orderflow serve``); the order API registers ``metrics_app``
as a route of its own (``entrypoints.api.metrics_route``).
"""

from __future__ import annotations

from typing import Final

import anyio.to_thread
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.registry import CollectorRegistry
from starlette.types import ASGIApp, Receive, Scope, Send

PATH: Final = "/metrics"


class MetricsApp:
    """Serves the registry's metrics at any path it is mounted on (GET or HEAD)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(send, 405, b"Method Not Allowed\n", (b"allow", b"GET, HEAD"))
            return
        body = await anyio.to_thread.run_sync(generate_latest, self._registry)
        if scope["method"] == "HEAD":
            body = b""
        await _answer(send, 200, body, (b"content-type", CONTENT_TYPE_PLAIN_0_0_4.encode()))


async def _answer(send: Send, status: int, body: bytes, header: tuple[bytes, bytes]) -> None:
    headers = [header, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class MetricsBeside:
    """``/metrics`` in front of ``app``; every other request goes to ``app``."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self._app = app
        self._metrics = MetricsApp(registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == PATH:
            await self._metrics(scope, receive, send)
            return
        await self._app(scope, receive, send)
