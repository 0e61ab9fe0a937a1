"""Where the AWS APIs are, as the AWS SDKs say it: an endpoint URL (none: AWS itself, or
$AWS_ENDPOINT_URL, which boto3 reads), a region and a profile; credentials come from
boto3's standard chain (environment, shared files, instance roles).

This module imports no boto3, so that naming a connection (a CLI option) costs nothing
until a client is made.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Final

DEFAULT_REGION: Final = "us-east-1"
"""The region when neither ``--region``, $AWS_REGION/$AWS_DEFAULT_REGION nor a profile
names one (boto3 would refuse to build a client)."""


@dataclass(frozen=True)
class AwsConnection:
    """Where the AWS APIs are: ``endpoint_url`` None means AWS itself (or
    $AWS_ENDPOINT_URL, which boto3 reads)."""

    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None

    @property
    def label(self) -> str:
        """Where, for messages: the endpoint ($AWS_ENDPOINT_URL too, as boto3 reads it), or
        AWS (in its region, when given)."""
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            return endpoint
        return f"AWS ({self.region})" if self.region else "AWS"

    def client(self, service: str, *, read_timeout_s: float = 30.0) -> Any:
        """A boto3 client of ``service`` (``clients.client``; boto3 is imported then)."""
        from orderflow.adapters.aws.clients import client  # noqa: PLC0415 (lazy: boto3)

        return client(self, service, read_timeout_s=read_timeout_s)
