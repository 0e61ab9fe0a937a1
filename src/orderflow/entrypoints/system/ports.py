"""A free TCP port on loopback, for the parts a command starts (the demo's API and SMTP
sink) and for the tests and benchmarks that start them."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice; another process may take it
    before the caller binds it, which the callers' start-up checks report)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
