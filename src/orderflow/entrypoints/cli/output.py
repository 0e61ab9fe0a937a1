"""Printing results and errors the way the AWS CLI does."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from orderflow.eventbus import AwsError

SERVICE_ERROR_EXIT = 254
"""The AWS CLI's exit status when the service returned an error."""

PARAMETER_ERROR_EXIT = 252
"""The AWS CLI's exit status when a parameter could not be parsed."""


def print_json(document: Any) -> None:
    """Print a response as the AWS CLI's default JSON output (4-space indent)."""
    sys.stdout.write(json.dumps(document, indent=4, ensure_ascii=False) + "\n")


def fail_with_service_error(error: AwsError, operation: str) -> NoReturn:
    """Print ``error`` as the AWS CLI prints a service error and exit with its status."""
    sys.stderr.write(
        f"\nAn error occurred ({error.code}) when calling the {operation} operation: "
        f"{error.message}\n"
    )
    raise typer.Exit(SERVICE_ERROR_EXIT)


def fail_with_parameter_error(message: str) -> NoReturn:
    """Print a parameter problem and exit as the AWS CLI does."""
    sys.stderr.write(f"\n{message}\n")
    raise typer.Exit(PARAMETER_ERROR_EXIT)
