"""``build_api(system)``: the order service's HTTP API as a FastAPI application.

Nothing happens at import: the factory wires the routes around the ``System`` it is
given (SQLite or in memory), the error handlers and the body-size limit. Serve it with
uvicorn, and ``close_api(app)`` once served (it stops the thread that commits the commands);
another ASGI app may be mounted at ``/`` beside it, since the API claims only
``/orders``, ``/inventory``, ``/health``, ``/metrics`` and the docs (``/docs``, ``/openapi.json``).
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI

import orderflow
from orderflow.bootstrap.system import System
from orderflow.entrypoints.api.auth import RequireApiKey
from orderflow.entrypoints.api.body_limit import BodySizeLimit
from orderflow.entrypoints.api.committer import CommandCommitter
from orderflow.entrypoints.api.errors import install_error_handlers
from orderflow.entrypoints.api.metrics_route import install_metrics
from orderflow.entrypoints.api.routes.health import health_routes
from orderflow.entrypoints.api.routes.inventory import inventory_routes
from orderflow.entrypoints.api.routes.orders import orders_routes
from orderflow.entrypoints.api_keys import ApiKeys

MAX_BODY_BYTES: Final = 64 * 1024
LIMITED_PATHS: Final = ("/orders", "/inventory")

DESCRIPTION = """
Place, follow, change and cancel orders; read and adjust stock.

Placing an order saves it with its **OrderCreated** event in one transaction and
publishes the event at once; the inventory, notification, analytics and refund
services react through the event bus, and `GET /orders/{orderId}` shows the order's
`status` and `timeline` as they do. Send `X-Correlation-Id` to choose the id that
every event of the order's journey carries.

Errors are JSON: `422` lists every invalid field (`loc`, `msg`, `type`), or why a body
does not parse as JSON; other errors carry a `detail` message: `404` unknown order, `409`
a change the order's state forbids, `413` a body over 64 KiB, `415` a body that is not
`application/json`, `503` the database is unavailable (retry).

When the server is started with API keys (`--api-key NAME:SECRET:SCOPES`), every
`/orders` and `/inventory` request presents one, as `Authorization: Bearer SECRET` or
`X-Api-Key: SECRET`: `GET` needs the `read` scope, `POST`/`PATCH`/`DELETE` need `write`.
`401` (with `WWW-Authenticate: Bearer`): no key, or an unknown one; `403`: the key lacks
the scope. Both carry a `detail` message and apply nothing.
"""

TAGS = [
    {"name": "orders", "description": "Orders and their journey through the services."},
    {"name": "inventory", "description": "Stock levels and the product catalog."},
    {"name": "health", "description": "Liveness."},
]


def build_api(
    system: System, *, max_body_bytes: int = MAX_BODY_BYTES, keys: ApiKeys | None = None
) -> FastAPI:
    """The API over ``system`` (installed: topology applied, catalog seeded); with
    ``keys``, its order and inventory paths require one (see ``auth``)."""
    app = FastAPI(
        title="orderflow orders API",
        version=orderflow.__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    committer = CommandCommitter(system)
    app.state.committer = committer
    app.include_router(orders_routes(system, committer))
    app.include_router(inventory_routes(system))
    app.include_router(health_routes())
    install_metrics(app, system)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes, path_prefixes=LIMITED_PATHS)
    if keys:
        # Added last, so outermost: a refused request is not even read.
        app.add_middleware(RequireApiKey, keys=keys, path_prefixes=LIMITED_PATHS)
    return app


def close_api(app: FastAPI) -> None:
    """Stop what ``build_api`` started (the commands queued meanwhile are committed first)."""
    committer = getattr(app.state, "committer", None)
    if isinstance(committer, CommandCommitter):
        committer.close()
