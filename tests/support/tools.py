"""What tests need from the machine: an external tool, or a client of a local endpoint."""

from __future__ import annotations

import os
import shutil
from typing import Any

import boto3
import pytest


def required_tool(executable: str, *, needed_by: str, install: str, variable: str) -> str:
    """The path of ``executable``; without it the test is skipped, or fails where
    ``$variable`` is 1 (CI installs it: a skip there would hide a missing install step)."""
    found = shutil.which(executable)
    if found is None:
        message = f"{executable} is not installed ({install}): {needed_by} cannot run"
        if os.environ.get(variable) == "1":
            pytest.fail(f"{message} ({variable}=1: it is required here)")
        pytest.skip(message)
    return found


def local_client(service: str, endpoint_url: str) -> Any:
    """A boto3 client of an orderflow endpoint on loopback, with dummy credentials."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
