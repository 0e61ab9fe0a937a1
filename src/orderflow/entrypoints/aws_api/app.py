"""``build_aws_app(engine)``: the AWS-compatible endpoint as a plain ASGI application.

It answers ``POST /`` (EventBridge and SQS JSON protocols, SQS query protocol) and the
query protocol's queue paths (``/ACCOUNT/QUEUE``), so it can be served alone
(``orderflow serve``) or mounted at "/" beside another ASGI app. Engine calls are
blocking (a long poll waits up to 20 s): they run in the app's own thread pool, never
on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

from orderflow.entrypoints.aws_api.asgi import (
    HttpRequest,
    HttpResponse,
    Receive,
    Scope,
    Send,
    header_map,
    read_request,
    send_response,
)
from orderflow.entrypoints.aws_api.errors import (
    InternalFailure,
    ProtocolError,
    ServiceUnavailable,
)
from orderflow.entrypoints.aws_api.params import Params
from orderflow.entrypoints.aws_api.protocols import (
    Call,
    failure,
    guess_protocol,
    operations_of,
    read_call,
    success,
)
from orderflow.entrypoints.aws_api.scopes import ScopedEngines, credential_of
from orderflow.entrypoints.aws_api.signing import SignedRequest, verify
from orderflow.eventbus.clock import Clock, SystemClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.errors import AwsError, DiskFull, StoreError

DEFAULT_MAX_BODY_BYTES: Final = 2 * 1024 * 1024
"""Above SQS's largest batch (1 MiB of messages) and EventBridge's 256 KB, with room for
JSON escaping; a larger body is refused with 413 before it is read in full."""

DEFAULT_WORKERS: Final = 64
"""Threads for engine calls: each long poll holds one for up to 20 s."""

_INTERNAL: Final = "We encountered an internal error. Please try again."
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AwsApiSettings:
    """How the endpoint behaves.

    ``credentials``: access key -> secret key. Empty (the default), any access key is
    accepted and signatures are not checked; given, every request must be signed with
    one of them (SigV4) and dated within 15 minutes of ``clock``, else it is refused as
    AWS refuses it.
    """

    credentials: Mapping[str, str] = field(default_factory=dict)
    clock: Clock = field(default_factory=SystemClock)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    workers: int = DEFAULT_WORKERS


class AwsApi:
    """The ASGI application (see the module docstring)."""

    def __init__(self, engine: Engine, settings: AwsApiSettings | None = None) -> None:
        self.settings = settings or AwsApiSettings()
        self.engines = ScopedEngines(engine)
        self._executor = ThreadPoolExecutor(
            max_workers=self.settings.workers, thread_name_prefix="orderflow-aws"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request_id = str(uuid.uuid4())
        headers = header_map(scope)
        protocol = guess_protocol(headers)
        try:
            request = await read_request(scope, headers, receive, self.settings.max_body_bytes)
            response = await self._answer(request, request_id)
        except AwsError as error:
            response = failure(protocol, error, request_id)
        except Exception:
            _log.exception("request %s failed", request_id)
            response = failure(protocol, InternalFailure(_INTERNAL), request_id)
        await send_response(send, response)

    async def _answer(self, request: HttpRequest, request_id: str) -> HttpResponse:
        if self.settings.credentials:
            verify(_signed(request), self.settings.credentials, self.settings.clock.now_ms())
        call = read_call(request)
        engine = self.engines.for_request(
            credential_of(request.headers.get("authorization")), request.scheme, request.host
        )
        loop = asyncio.get_running_loop()
        try:
            document = await loop.run_in_executor(
                self._executor, functools.partial(_run, engine, call)
            )
        except AwsError as error:
            return failure(call.protocol, error, request_id)
        return success(call, document, request_id)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> None:
        """Stop the thread pool (calls in progress finish; queued ones are dropped)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _run(engine: Engine, call: Call) -> dict[str, Any]:
    """One operation, in a worker thread; anything unexpected becomes InternalFailure."""
    operations, missing = operations_of(call.protocol)
    try:
        result: dict[str, Any] = operations[call.operation](engine, Params(call.members, missing))
    except (AwsError, ProtocolError):
        raise
    except DiskFull as error:
        raise ServiceUnavailable(str(error)) from error
    except StoreError as error:
        raise InternalFailure(str(error)) from error
    except Exception as error:
        _log.exception("%s.%s failed", call.service, call.operation)
        raise InternalFailure(_INTERNAL) from error
    return result


def _signed(request: HttpRequest) -> SignedRequest:
    return SignedRequest(
        request.method, request.raw_path, request.raw_query, request.headers, request.body
    )


def build_aws_app(engine: Engine, settings: AwsApiSettings | None = None) -> AwsApi:
    """The AWS-compatible endpoint over ``engine``, as an ASGI application."""
    return AwsApi(engine, settings)
