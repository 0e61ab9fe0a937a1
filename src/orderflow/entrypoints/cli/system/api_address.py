"""Where the order API listens, recorded in the system's state by ``orderflow api`` (which
``orderflow up`` runs) as it starts: ``orderflow publisher`` finds it there, so that
``up --port 5000`` needs no ``publisher --url``."""

from __future__ import annotations

from typing import Final

from orderflow.bootstrap.system import System

API_ADDRESS: Final = ("orderflow.api", "address")
"""The state document (kind, key): ``{"url": "http://HOST:PORT"}``."""
DEFAULT_API_URL: Final = "http://127.0.0.1:4010"
WILDCARDS: Final = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}


def api_url(host: str, port: int) -> str:
    """The URL a client on this machine reaches an API listening on ``host``:``port`` at."""
    shown = WILDCARDS.get(host, f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}"


def record_api_url(system: System, host: str, port: int) -> None:
    with system.state.transaction() as state:
        state.put(*API_ADDRESS, {"url": api_url(host, port)})


def recorded_api_url(system: System) -> str:
    """The URL the API last started on, on this system's database (else the default)."""
    with system.state.reader() as state:
        document = state.get(*API_ADDRESS)
    return str(document["url"]) if document else DEFAULT_API_URL
