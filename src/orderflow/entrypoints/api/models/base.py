"""What every request body and response shares.

Requests are strict: a quantity sent as ``"3"`` or an unknown field is a 422 naming
the field, never silently coerced or ignored. Field names are camelCase, like the
events the API publishes, and errors point at them by those names.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class RequestBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", strict=True, frozen=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class ErrorMessage(BaseModel):
    """Every error other than a validation error: what was wrong, in words."""

    detail: str


class ValidationProblem(BaseModel):
    """One invalid field: where (``["body", "items", 0, "sku"]``), what, and the error type."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrors(BaseModel):
    """A 422: every problem found, in FastAPI's own shape."""

    detail: list[ValidationProblem]
