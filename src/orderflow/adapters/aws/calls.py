"""What every engine-shaped remote call shares: errors the engine also has raised as the
engine's classes, NextToken paging, and responses made plain (epoch-second timestamps,
no ResponseMetadata), as the engine's operations return them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from orderflow.adapters.aws.clients import RemoteAwsError, translated
from orderflow.eventbus.errors import AwsError

KnownErrors = Mapping[str, Callable[[str], AwsError]]
"""An endpoint's error code -> the engine's error for it (given the endpoint's message)."""


@contextmanager
def remote_call(where: str, known: KnownErrors) -> Iterator[None]:
    """A boto3 call (see ``translated``), an error ``known`` names raised as the engine's
    class, so that code catching the engine's errors (``QueueDoesNotExist``) works
    unchanged; any other answer as a ``RemoteAwsError`` with the endpoint's code."""
    try:
        with translated(where):
            yield
    except RemoteAwsError as exc:
        make = known.get(exc.code)
        if make is None:
            raise
        raise make(exc.message) from exc


def given(**params: Any) -> dict[str, Any]:
    """The parameters that have a value (boto3 refuses None for an optional one)."""
    return {key: value for key, value in params.items() if value is not None}


def plain(value: Any) -> Any:
    """A response as the engine returns it: timestamps in epoch seconds, and without the
    SDK's ResponseMetadata."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def paged(
    call: Callable[..., Any], key: str, where: str, known: KnownErrors, **params: Any
) -> Iterator[Any]:
    """Every item of ``key`` over all the pages of a List operation (NextToken), plain."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        with remote_call(where, known):
            page = call(**given(NextToken=token, **params))
        yield from plain(page.get(key) or [])
        token = page.get("NextToken") or None
        if token is None or token in seen:  # a token given twice would never end
            return
        seen.add(token)
