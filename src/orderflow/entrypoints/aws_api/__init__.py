"""AWS-compatible HTTP endpoint: EventBridge and SQS as real SDKs and the AWS CLI call them.

Public API:

- ``build_aws_app(engine, settings=None) -> AwsApi``: the ASGI application; mount it at
  "/" or serve it alone.
- ``AwsApiSettings``: credentials to require (SigV4), body limit, worker threads.
- ``serve(engine, host=, port=, settings=)``: run it with uvicorn until interrupted;
  ``serve_in_thread(...)``: the same in a background thread (tests, benchmarks).
"""

from orderflow.entrypoints.aws_api.app import AwsApi, AwsApiSettings, build_aws_app
from orderflow.entrypoints.aws_api.server import RunningServer, serve, serve_in_thread

__all__ = [
    "AwsApi",
    "AwsApiSettings",
    "RunningServer",
    "build_aws_app",
    "serve",
    "serve_in_thread",
]
