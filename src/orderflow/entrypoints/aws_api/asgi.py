"""The ASGI side of the endpoint: reading a request, sending a response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from orderflow.entrypoints.aws_api.errors import RequestEntityTooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    scheme: str

    @property
    def host(self) -> str:
        return self.headers.get("host", "127.0.0.1")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


def header_map(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name."""
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", ())
    }


async def read_request(
    scope: Scope, headers: dict[str, str], receive: Receive, max_body_bytes: int
) -> HttpRequest:
    """The whole request; a body over ``max_body_bytes`` raises ``RequestEntityTooLarge``."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body_bytes:
        raise RequestEntityTooLarge(_too_large(max_body_bytes))
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_body_bytes:
            raise RequestEntityTooLarge(_too_large(max_body_bytes))
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    raw_path = scope.get("raw_path")
    return HttpRequest(
        method=str(scope.get("method", "GET")),
        path=str(scope.get("path", "/")),
        raw_path=raw_path.decode("latin-1") if raw_path else str(scope.get("path", "/")),
        raw_query=bytes(scope.get("query_string", b"")).decode("latin-1"),
        headers=headers,
        body=b"".join(chunks),
        scheme=str(scope.get("scheme", "http")),
    )


async def send_response(send: Send, response: HttpResponse) -> None:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers
    ]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def _too_large(limit: int) -> str:
    return f"Request body must be no longer than {limit} bytes."
