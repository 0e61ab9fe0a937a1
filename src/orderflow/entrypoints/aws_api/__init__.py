"""AWS-compatible HTTP endpoint: EventBridge and SQS as real SDKs and the AWS CLI call them.

Public API:

- ``build_aws_app(engine, settings=None) -> AwsApi``: the ASGI application; mount it at
  "/" or serve it alone.
- ``AwsApiSettings``: credentials to require (SigV4), body limit, worker threads.
- ``serve(engine, host=, port=, settings=)``: run it with uvicorn until interrupted;
  ``serve_in_thread(...)``: the same in a background thread (tests, benchmarks).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from orderflow.entrypoints.aws_api.app import AwsApi, AwsApiSettings, build_aws_app

if TYPE_CHECKING:
    from orderflow.entrypoints.aws_api.server import RunningServer, serve, serve_in_thread

_SERVER_NAMES = frozenset({"RunningServer", "serve", "serve_in_thread"})

__all__ = [
    "AwsApi",
    "AwsApiSettings",
    "RunningServer",
    "build_aws_app",
    "serve",
    "serve_in_thread",
]


def __getattr__(name: str) -> object:
    """The server's names, imported on first use: uvicorn loads only when something
    serves (the CLI imports this package for its settings and starts faster without)."""
    if name in _SERVER_NAMES:
        return getattr(importlib.import_module("orderflow.entrypoints.aws_api.server"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
