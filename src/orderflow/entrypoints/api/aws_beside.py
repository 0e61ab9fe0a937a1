"""The AWS-compatible endpoint mounted at "/" beside the order API (``orderflow api`` and
``up`` serve both on one port).

Mounted at "/", the endpoint would answer every path the API has no route for, and a
mistyped API path (``GET /order/o-1``) came back as the AWS query protocol's
``InvalidAction`` in XML. So it takes only the paths AWS's SDKs send to: "/" (the JSON
protocols and the query protocol) and a queue's URL path (``/ACCOUNT/QUEUE``, the query
protocol); any other path is the order API's own 404, ``{"detail": "Not Found"}``.
"""

from __future__ import annotations

import re
from typing import Final

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

AWS_PATH: Final = re.compile(r"^/(?:[0-9]{12}/[^/]{1,100}/?)?$")
""""/", or a queue's URL path: an account id, then a name (checked by the endpoint)."""


class AwsPaths:
    """``endpoint`` for the paths AWS's SDKs send to; the API's 404 for any other."""

    def __init__(self, endpoint: ASGIApp) -> None:
        self._endpoint = endpoint
        self._not_found = JSONResponse({"detail": "Not Found"}, status_code=404)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not AWS_PATH.match(scope.get("path", "")):
            await self._not_found(scope, receive, send)
            return
        await self._endpoint(scope, receive, send)


def mount_aws_beside(app: FastAPI, endpoint: ASGIApp) -> None:
    """Serve ``endpoint`` beside ``app``'s routes, which match first."""
    app.mount("/", AwsPaths(endpoint))
