"""Slow, idle and too many clients over real sockets against ``orderflow serve``'s server
(``serve_in_thread`` with a read deadline of a second and room for 4 connections): the
same limits as the order API (``entrypoints.http_limits``, tests/api/test_slow_clients.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderflow.bootstrap import open_engine
from orderflow.entrypoints.aws_api import serve_in_thread
from orderflow.entrypoints.aws_api.server import HttpLimits
from tests.api.test_slow_clients import (
    DEADLINE_S,
    KEEP_ALIVE_S,
    MAX_CONNECTIONS,
    Served,
    assert_timed_out,
    read_until_closed,
)

LIST_QUEUES = (
    b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
    b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}"
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    engine = open_engine(tmp_path / "serve.db")
    limits = HttpLimits(DEADLINE_S, KEEP_ALIVE_S, MAX_CONNECTIONS)
    try:
        with serve_in_thread(engine, limits=limits) as server:
            yield Served(int(server.url.rsplit(":", 1)[1]))
    finally:
        engine.store.close()


def test_headers_without_the_body_are_cut_off_at_the_deadline(served: Served) -> None:
    with served.connect() as client:
        client.sendall(LIST_QUEUES[:-2].replace(b"Length: 2", b"Length: 200") + b"{")
        assert_timed_out(*read_until_closed(client))


def test_a_connection_that_sends_nothing_is_cut_off(served: Served) -> None:
    with served.connect() as client:
        assert_timed_out(*read_until_closed(client))


def test_a_call_in_time_is_answered_and_an_idle_keep_alive_is_closed(served: Served) -> None:
    with served.connect() as client:
        client.sendall(LIST_QUEUES)
        received, waited = read_until_closed(client)
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), received
        assert json.loads(body) == {}
        assert waited <= KEEP_ALIVE_S + 1.5


def test_beyond_the_connection_limit_a_call_is_answered_503(served: Served) -> None:
    idle = [served.connect() for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.2)  # the server has accepted them
        with served.connect() as client:
            client.sendall(LIST_QUEUES)
            received, _ = read_until_closed(client)
        assert received.startswith(b"HTTP/1.1 503 "), received
    finally:
        for client in idle:
            client.close()
