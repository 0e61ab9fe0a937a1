"""How uvicorn serves orderflow's HTTP servers (the order API, ``orderflow serve``):
bounded in time and in connections.

uvicorn closes a keep-alive connection that stays idle after a response
(``timeout_keep_alive``) but has no read timeout: a client that connects and sends
nothing, sends its headers a byte at a time, or sends headers and never the body holds
its connection open for ever, and enough of them exhaust the server. Here:

- a request must arrive whole (headers and body) within ``REQUEST_TIMEOUT_S`` of its
  first byte, and a new connection must start one within that time too: else the server
  answers 408 (when no response has started) and closes the connection;
- a request's headers may take at most ``MAX_HEADER_BYTES``: else 431 and the connection
  closes (httptools buffers a header whole, so within the deadline a client could make
  the server hold any amount);
- an idle keep-alive connection is closed after ``KEEP_ALIVE_S``;
- at most ``MAX_CONNECTIONS`` connections or requests at once: beyond, a request is
  answered 503 at once (uvicorn's ``limit_concurrency``).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Final, Literal

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

REQUEST_TIMEOUT_S: Final = 10.0
KEEP_ALIVE_S: Final = 5
MAX_CONNECTIONS: Final = 256
MAX_HEADER_BYTES: Final = 128 * 1024
"""Counted by the chunk read: a chunk that ends one request's body (at most 64 KiB) and
starts the next one's headers counts whole, hence more than the usual 8-32 KiB."""


def _closing_response(status: str, message: str) -> bytes:
    body = b'{"detail":"' + message.encode() + b'"}'
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\nconnection: close\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


TIMEOUT_RESPONSE: Final = _closing_response(
    "408 Request Timeout", "The request did not arrive in time."
)
HEADERS_TOO_LARGE_RESPONSE: Final = _closing_response(
    "431 Request Header Fields Too Large",
    f"The request's headers are over {MAX_HEADER_BYTES} bytes.",
)


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools) with a deadline on reading each request."""

    request_timeout_s: ClassVar[float] = REQUEST_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._header_bytes: int | None = 0  # None while a request's body is read

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_bytes is None or self.transport.is_closing():
            return
        self._header_bytes += len(data)  # still in the headers after this chunk
        if self._header_bytes > MAX_HEADER_BYTES:
            self._cancel_deadline()
            self.transport.write(HEADERS_TOO_LARGE_RESPONSE)
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._header_bytes = None
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            self._start_deadline()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._cancel_deadline()
        self._header_bytes = 0

    def _start_deadline(self) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self.request_timeout_s, self._expired)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()  # a handler reading the body sees the client disconnect


def timed_protocol(request_timeout_s: float) -> type[TimedHttpProtocol]:
    """The protocol class with its own deadline (uvicorn makes one instance per connection)."""
    return type("TimedHttpProtocol", (TimedHttpProtocol,), {"request_timeout_s": request_timeout_s})


def limited_config(
    app: Any,
    *,
    host: str,
    port: int,
    request_timeout_s: float = REQUEST_TIMEOUT_S,
    keep_alive_s: int = KEEP_ALIVE_S,
    max_connections: int = MAX_CONNECTIONS,
    lifespan: Literal["on", "off"] = "off",
) -> uvicorn.Config:
    """uvicorn's settings for serving ``app`` (see the module docstring)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=timed_protocol(request_timeout_s),
        ws="none",
        timeout_keep_alive=keep_alive_s,
        limit_concurrency=max_connections,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
    )
