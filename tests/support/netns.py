"""A second host on this machine, for tests of what crosses a network: a network namespace
joined to this one by a veth pair, made by the test and removed after.

``other_host()`` yields a ``Host``: its own loopback and its address on the link
(``host.address``), the address this namespace has on the link (``host.gateway``), and
``host.command(argv)`` to run a program there. Servers of this machine that listen on
loopback only (PostgreSQL here) are reached from the other host through ``forward``: a
TCP relay listening on the link's address, passing bytes to the loopback server.
Skipped with a reason where namespaces cannot be made (not root, no ``ip``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import pytest

SUBNET: Final = "10.231"


@dataclass(frozen=True)
class Host:
    namespace: str
    address: str
    gateway: str

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the other host's namespace."""
        return ["ip", "netns", "exec", self.namespace, *argv]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=10)


def can_make_hosts() -> str | None:
    """Why namespaces cannot be made here, or None."""
    if shutil.which("ip") is None:
        return "no `ip` command (iproute2) to make a network namespace"
    if os.geteuid() != 0:
        return "making a network namespace needs root"
    return None


@contextlib.contextmanager
def other_host() -> Iterator[Host]:
    reason = can_make_hosts()
    if reason is not None:
        pytest.skip(reason)
    tag = secrets.token_hex(3)
    namespace, outside, inside = f"of-{tag}", f"ofo{tag}", f"ofi{tag}"
    octet = int(tag[:2], 16) % 250 + 1
    gateway, address = f"{SUBNET}.{octet}.1", f"{SUBNET}.{octet}.2"
    try:
        _ip("netns", "add", namespace)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot make a network namespace: {exc.stderr.strip()}")
    try:
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("addr", "add", f"{gateway}/24", "dev", outside)
        _ip("link", "set", outside, "up")
        _ip("netns", "exec", namespace, "ip", "addr", "add", f"{address}/24", "dev", inside)
        _ip("netns", "exec", namespace, "ip", "link", "set", inside, "up")
        _ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up")
        yield Host(namespace, address, gateway)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", namespace)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", outside)


@contextlib.contextmanager
def forward(listen: tuple[str, int], to: tuple[str, int]) -> Iterator[None]:
    """Relay TCP connections made to ``listen`` to ``to`` until the block ends (then every
    connection it relays is closed)."""
    server = socket.create_server(listen)
    server.settimeout(0.2)
    stopping = threading.Event()
    open_sockets: set[socket.socket] = set()
    lock = threading.Lock()

    def close(*sockets: socket.socket) -> None:
        with lock:
            for sock in sockets:
                open_sockets.discard(sock)
                sock.close()

    def pipe(source: socket.socket, sink: socket.socket, done: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        if done.is_set():  # the other direction ended first: the pair is done
            close(source, sink)
        done.set()

    def serve() -> None:
        while not stopping.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(to, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with lock:
                open_sockets.update((client, upstream))
            done = threading.Event()
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b, done), daemon=True).start()

    thread = threading.Thread(target=serve, name="tcp-forward", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        thread.join(timeout=2)
        server.close()
        with lock:
            remaining = list(open_sockets)
        for sock in remaining:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        close(*remaining)
