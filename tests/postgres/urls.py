"""URLs for the PostgreSQL tests: with a password (the server trusts, and ignores it; the
tests check it is never shown), and a port nobody listens on."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

PASSWORD = "s3cret-pw"


def with_password(url: str, password: str = PASSWORD) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    netloc = f"{user}:{password}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def with_options(url: str, options: str) -> str:
    """``url`` with libpq's ``options`` (``-c name=value`` settings for the session)."""
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}options={options.replace(' ', '%20').replace('=', '%3D')}"


def closed_port() -> int:
    """A local TCP port with nothing listening on it (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
