"""The order API's door: with keys configured, each request to ``/orders`` or
``/inventory`` must present one, with the scope its method needs.

GET and HEAD need ``read``; POST, PATCH, PUT and DELETE need ``write``. Refused before the
route runs (nothing of the request is applied), in the API's error shape:

401  no key, or not one of the configured keys; ``WWW-Authenticate: Bearer``
403  a known key without the scope
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from orderflow.entrypoints.api_keys import ApiKeys
from orderflow.entrypoints.api_keys import Scope as KeyScope

READ_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
CHALLENGE: Final = b'Bearer realm="orderflow"'


def presented_secret(headers: Sequence[tuple[bytes, bytes]]) -> str | None:
    """The secret of ``Authorization: Bearer X`` or ``X-Api-Key: X``, if any."""
    for name, value in headers:
        if name == b"x-api-key" and value.strip():
            return value.decode("latin-1").strip()
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class RequireApiKey:
    """ASGI middleware: the paths under ``path_prefixes`` need a key from ``keys``."""

    def __init__(self, app: ASGIApp, *, keys: ApiKeys, path_prefixes: Sequence[str]) -> None:
        self._app = app
        self._keys = keys
        self._prefixes = tuple(path_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self._prefixes):
            await self._app(scope, receive, send)
            return
        needed = KeyScope.READ if scope["method"] in READ_METHODS else KeyScope.WRITE
        secret = presented_secret(scope.get("headers", []))
        if secret is None:
            await _refuse(
                send,
                401,
                "An API key is required: send Authorization: Bearer KEY or X-Api-Key: KEY.",
            )
            return
        key = self._keys.find(secret)
        if key is None:
            await _refuse(send, 401, "The API key is not valid.")
            return
        if needed not in key.scopes:
            await _refuse(
                send,
                403,
                f"The API key {key.name!r} may not {needed.value} "
                f"({scope['method']} {scope['path']}): it has the scope "
                f"{', '.join(sorted(key.scopes))}; this needs {needed.value}.",
            )
            return
        await self._app(scope, receive, send)


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", CHALLENGE))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
