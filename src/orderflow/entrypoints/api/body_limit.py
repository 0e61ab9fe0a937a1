"""Refuse request bodies over a size limit (413), before the application sees them.

A pure ASGI middleware (not ``BaseHTTPMiddleware``, which buffers and hides the
stream): a declared ``Content-Length`` over the limit is refused without reading;
otherwise the body is read and counted chunk by chunk (chunked uploads declare no
length), refused as soon as it passes the limit, and replayed to the application.
Buffering is safe because the limit is small. Only the paths it is given are
limited, so an app mounted beside the API (the AWS-protocol endpoint, whose own
limits are larger) keeps its own rules.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, path_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_prefixes = path_prefixes

    def _applies(self, scope: Scope) -> bool:
        path: str = scope["path"]
        return any(path == prefix or path.startswith(f"{prefix}/") for prefix in self.path_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._applies(scope):
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: let the application see it
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"The request body is larger than {self.max_bytes} bytes."},
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # the server refuses a malformed length before we are called
    return 0
