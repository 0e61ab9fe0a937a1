"""Slow, idle and oversized clients over real sockets on loopback, against the order API as
``orderflow api`` serves it (``api_config``) with a read deadline of a second: a request
that does not arrive whole in time is answered 408 and its connection closed; beyond the
connection limit a request is answered 503 at once."""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from orderflow.entrypoints.api import build_api, close_api
from orderflow.entrypoints.api.server import MAX_HEADER_BYTES, api_config
from orderflow.entrypoints.system.ports import free_port
from tests.services.harness import make_harness

DEADLINE_S = 1.0
KEEP_ALIVE_S = 1
MAX_CONNECTIONS = 4
STARTUP_DEADLINE_S = 10.0
tight_config = functools.partial(
    api_config,
    request_timeout_s=DEADLINE_S,
    keep_alive_s=KEEP_ALIVE_S,
    max_connections=MAX_CONNECTIONS,
)


@dataclass(frozen=True)
class Served:
    port: int

    def connect(self) -> socket.socket:
        client = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        client.settimeout(5)
        return client


@pytest.fixture
def served() -> Iterator[Served]:
    app = build_api(make_harness().system)
    config = tight_config(app, host="127.0.0.1", port=free_port())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield Served(config.port)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_DEADLINE_S)
        close_api(app)


def read_until_closed(client: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long it took."""
    started = time.monotonic()
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    return received, time.monotonic() - started


def assert_timed_out(received: bytes, waited: float) -> None:
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert received.endswith(b'{"detail":"The request did not arrive in time."}')
    assert DEADLINE_S * 0.8 <= waited <= DEADLINE_S + 1.5, waited


def test_headers_without_the_body_are_cut_off_at_the_deadline(served: Served) -> None:
    with served.connect() as client:
        client.sendall(
            b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200\r\n\r\n{"
        )
        assert_timed_out(*read_until_closed(client))


def test_a_connection_that_sends_nothing_is_cut_off(served: Served) -> None:
    with served.connect() as client:
        assert_timed_out(*read_until_closed(client))


def test_headers_trickling_in_are_cut_off_although_bytes_keep_coming(served: Served) -> None:
    with served.connect() as client:
        started = time.monotonic()
        client.sendall(b"GET /health HTTP/1.1\r\n")
        try:
            while time.monotonic() - started < DEADLINE_S + 2:
                client.sendall(b"X: y\r\n")  # never the blank line that ends the headers
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received, _ = read_until_closed(client)
        assert received.startswith(b"HTTP/1.1 408 "), received
        assert time.monotonic() - started <= DEADLINE_S + 2


def test_a_request_in_time_is_served_and_an_idle_keep_alive_is_closed(served: Served) -> None:
    with served.connect() as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        received, waited = read_until_closed(client)
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), received
        assert json.loads(body) == {"status": "ok"}
        assert waited <= KEEP_ALIVE_S + 1.5


def test_beyond_the_connection_limit_a_request_is_answered_503(served: Served) -> None:
    idle = [served.connect() for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.2)  # the server has accepted them
        with served.connect() as client:
            client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            received, _ = read_until_closed(client)
        assert received.startswith(b"HTTP/1.1 503 "), received
    finally:
        for client in idle:
            client.close()


def test_headers_over_the_limit_are_refused_431_before_the_deadline(served: Served) -> None:
    with served.connect() as client:
        started = time.monotonic()
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(64):  # 4 MiB, never ending the header
                client.sendall(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received, _ = read_until_closed(client)
        assert received.startswith(b"HTTP/1.1 431 "), received
        assert received.endswith(f'over {MAX_HEADER_BYTES} bytes."}}'.encode())
        assert time.monotonic() - started < DEADLINE_S


def test_headers_within_the_limit_are_served(served: Served) -> None:
    with served.connect() as client:
        header = b"X-Large: " + b"a" * (MAX_HEADER_BYTES // 2) + b"\r\n"
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n")
        received, _ = read_until_closed(client)
        assert received.startswith(b"HTTP/1.1 200 "), received
