"""The error responses the endpoints document in OpenAPI (the handlers are in ``errors``)."""

from __future__ import annotations

from typing import Any, Final

from orderflow.entrypoints.api.models.base import ErrorMessage, ValidationErrors

Responses = dict[int | str, dict[str, Any]]


def error(status_code: int, description: str) -> Responses:
    return {status_code: {"model": ErrorMessage, "description": description}}


def invalid(description: str = "Invalid body: every field at fault") -> Responses:
    return {422: {"model": ValidationErrors, "description": description}}


BODY_REFUSED: Final[Responses] = {
    **error(413, "The body is over the size limit (64 KiB)"),
    **error(415, "The body is not JSON (Content-Type: application/json)"),
}
