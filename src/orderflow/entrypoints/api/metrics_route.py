"""``GET /metrics`` on the order API: the store's metrics (``entrypoints.observability``),
a route of its own (not in the OpenAPI document), registered before anything mounted at
"/" so that it matches first."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Route

from orderflow.bootstrap.system import System
from orderflow.entrypoints.observability.exposition import PATH, MetricsApp
from orderflow.entrypoints.observability.metrics import metrics_registry


def install_metrics(app: FastAPI, system: System) -> None:
    registry = metrics_registry(system.clock, system.embedded, system.state)
    # A route whose endpoint is an ASGI application (not a function): Starlette calls it as is.
    app.router.routes.append(Route(PATH, MetricsApp(registry), methods=["GET", "HEAD"]))
