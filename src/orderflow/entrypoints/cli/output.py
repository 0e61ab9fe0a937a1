"""Printing results and errors the way the AWS CLI does.

Exit statuses, as the AWS CLI's: 252 a parameter could not be read, 254 the
service answered with an error, 255 anything else (here: the database failed).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, NoReturn

import typer

from orderflow.eventbus import AwsError
from orderflow.eventbus.errors import StoreError

SERVICE_ERROR_EXIT: Final = 254
"""The AWS CLI's exit status when the service returned an error."""

PARAMETER_ERROR_EXIT: Final = 252
"""The AWS CLI's exit status when a parameter could not be parsed."""

STORE_ERROR_EXIT: Final = 255
"""The AWS CLI's exit status for any other failure: here, the database could not be used."""


def print_json(document: Any) -> None:
    """Print a response as the AWS CLI's default JSON output (4-space indent)."""
    sys.stdout.write(json.dumps(document, indent=4, ensure_ascii=False) + "\n")


def print_response(document: Mapping[str, Any]) -> None:
    """Print a response, or nothing at all when it is empty (as the AWS CLI does: e.g.
    ``receive-message`` on an empty queue, ``delete-queue``)."""
    if document:
        print_json(dict(document))


def iso_timestamp(seconds: float) -> str:
    """An API timestamp (epoch seconds) as the AWS CLI v2 prints it: ISO 8601, here in UTC."""
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def with_timestamps(document: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """``document`` with its timestamp members (epoch seconds) printed as ISO 8601."""
    shown = dict(document)
    for key in keys:
        value = shown.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            shown[key] = iso_timestamp(value)
    return shown


def fail_with_service_error(error: AwsError, operation: str) -> NoReturn:
    """Print ``error`` as the AWS CLI prints a service error and exit with its status.
    SQS errors carry the code of SQS's query protocol (``AWS.SimpleQueueService.
    NonExistentQueue``), which is the one the AWS CLI shows: botocore reads it from the
    JSON protocol's ``x-amzn-query-error`` header, SQS being query-compatible."""
    code = getattr(error, "query_code", error.code)
    sys.stderr.write(
        f"\nAn error occurred ({code}) when calling the {operation} operation: {error.message}\n"
    )
    raise typer.Exit(SERVICE_ERROR_EXIT)


def fail_with_parameter_error(message: str) -> NoReturn:
    """Print a parameter problem and exit as the AWS CLI does."""
    sys.stderr.write(f"\n{message}\n")
    raise typer.Exit(PARAMETER_ERROR_EXIT)


def fail_with_store_error(error: StoreError) -> NoReturn:
    """Print what went wrong with the database (and what to do), without a traceback."""
    sys.stderr.write(f"\n{error}\n")
    raise typer.Exit(STORE_ERROR_EXIT)
