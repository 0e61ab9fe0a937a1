"""Errors as HTTP responses: always JSON, always a message a client can act on.

RequestValidationError  422  FastAPI's field-level shape (malformed JSON reworded)
HTTPException           422  for a body FastAPI cannot read (not UTF-8, nested too deep:
                             its 400 "error parsing the body"), in that same shape;
                             any other: FastAPI's own answer (404 no route, 415 ...)
InvalidOrder            422  the domain's problems, in that same shape
UnknownSku              422
OrderNotFound           404
OrderConflict           409  cancelled, refunded, out of stock, or an id in use
StoreError              503  the database failed (locked, full...): retry later
OrderflowError          400  any other refusal, with its message
Exception               500  logged with its traceback; the client sees no internals
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from orderflow.domain.errors import InvalidOrder, OrderConflict, UnknownSku
from orderflow.errors import OrderflowError
from orderflow.eventbus.errors import StoreError
from orderflow.services.orders.commands import OrderNotFound

logger = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _unreadable_body)
    app.add_exception_handler(InvalidOrder, _invalid_order)
    app.add_exception_handler(UnknownSku, _refused(422))
    app.add_exception_handler(OrderNotFound, _refused(404))
    app.add_exception_handler(OrderConflict, _refused(409))
    app.add_exception_handler(StoreError, _store_failed)
    app.add_exception_handler(OrderflowError, _refused(400))
    app.add_exception_handler(Exception, _unexpected)


def validation_response(problems: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": jsonable_encoder(problems)}, status_code=422)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_response([_reworded(error) for error in exc.errors()])


def _reworded(error: dict[str, Any]) -> dict[str, Any]:
    """The error without the ``input`` FastAPI echoes (the client's own data, up to the
    body limit, and not always JSON: ``NaN`` is read but cannot be written back), and
    with a message for malformed JSON, where FastAPI says only "JSON decode error"."""
    error = {key: value for key, value in error.items() if key != "input"}
    if error.get("type") != "json_invalid":
        return error
    reason = error.get("ctx", {}).get("error", "not JSON")
    position = error["loc"][-1]
    return {**error, "msg": f"The body is not valid JSON: {reason} (at character {position})."}


async def _unreadable_body(request: Request, exc: Exception) -> Response:
    """FastAPI answers 400 "There was an error parsing the body" (and no field) when the
    body fails to parse other than as malformed JSON: a 422 as malformed JSON is."""
    assert isinstance(exc, HTTPException)
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return await http_exception_handler(request, exc)
    if isinstance(cause, UnicodeDecodeError):
        reason = f"byte {cause.object[cause.start]:#04x} at {cause.start} is not UTF-8"
    elif isinstance(cause, RecursionError):
        reason = "it nests arrays or objects too deeply"
    else:
        reason = str(cause) or type(cause).__name__
    return validation_response(
        [
            {
                "type": "json_invalid",
                "loc": ["body"],
                "msg": f"The body is not valid JSON: {reason}.",
                "ctx": {"error": reason},
            }
        ]
    )


async def _invalid_order(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidOrder)
    return validation_response(
        [
            {"loc": ["body", *problem.location], "msg": problem.message, "type": "value_error"}
            for problem in exc.problems
        ]
    )


def _refused(status_code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """A handler answering ``{"detail": <the error's message>}`` with ``status_code``."""

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_code)

    return handler


async def _store_failed(request: Request, exc: Exception) -> JSONResponse:
    logger.error("The database failed on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": f"The database is unavailable: {exc}"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": "Internal error: it was logged; retry, or report it if it persists."},
        status_code=500,
    )
