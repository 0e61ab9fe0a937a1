"""How uvicorn serves the order API: with the read deadlines, header limit and
connection limit of ``entrypoints.http_limits``."""

from __future__ import annotations

from typing import Any

import uvicorn

from orderflow.entrypoints.http_limits import (
    KEEP_ALIVE_S,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
    REQUEST_TIMEOUT_S,
    limited_config,
)

__all__ = ["MAX_HEADER_BYTES", "api_config"]


def api_config(
    app: Any,
    *,
    host: str,
    port: int,
    request_timeout_s: float = REQUEST_TIMEOUT_S,
    keep_alive_s: int = KEEP_ALIVE_S,
    max_connections: int = MAX_CONNECTIONS,
) -> uvicorn.Config:
    """uvicorn's settings for serving the order API (``http_limits``)."""
    return limited_config(
        app,
        host=host,
        port=port,
        request_timeout_s=request_timeout_s,
        keep_alive_s=keep_alive_s,
        max_connections=max_connections,
    )
