"""AWS resource names as orderflow formats them: ARNs and SQS queue URLs.

Region and account come from an ``AwsScope`` (request credentials on the HTTP
endpoint; defaults for the embedded engine), so ARNs look exactly as on AWS:
``arn:aws:sqs:us-east-1:000000000000:orders``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

DEFAULT_REGION: Final = "us-east-1"
DEFAULT_ACCOUNT: Final = "000000000000"
DEFAULT_ENDPOINT: Final = "http://127.0.0.1:4010"

_QUEUE_ARN = re.compile(r"^arn:aws:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$")
_BUS_ARN = re.compile(r"^arn:aws:events:([a-z0-9-]+):(\d{12}):event-bus/([A-Za-z0-9._/-]{1,256})$")
_LAMBDA_ARN = re.compile(r"^arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})$")


@dataclass(frozen=True)
class AwsScope:
    """The region and account resources belong to, and where queue URLs point."""

    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    endpoint: str = DEFAULT_ENDPOINT

    def queue_arn(self, name: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account}:{name}"

    def queue_url(self, name: str) -> str:
        return f"{self.endpoint}/{self.account}/{name}"

    def bus_arn(self, name: str) -> str:
        return f"arn:aws:events:{self.region}:{self.account}:event-bus/{name}"

    def rule_arn(self, bus: str, name: str) -> str:
        if bus == "default":
            return f"arn:aws:events:{self.region}:{self.account}:rule/{name}"
        return f"arn:aws:events:{self.region}:{self.account}:rule/{bus}/{name}"

    def archive_arn(self, name: str) -> str:
        return f"arn:aws:events:{self.region}:{self.account}:archive/{name}"

    def replay_arn(self, name: str) -> str:
        return f"arn:aws:events:{self.region}:{self.account}:replay/{name}"

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"


def queue_name_from_arn(arn: str) -> str | None:
    """The queue name in an SQS ARN, or None if ``arn`` is not one."""
    found = _QUEUE_ARN.match(arn)
    return found.group(3) if found else None


def bus_name_from_arn(arn: str) -> str | None:
    """The bus name in an event bus ARN, or None."""
    found = _BUS_ARN.match(arn)
    return found.group(3) if found else None


def function_name_from_arn(arn: str) -> str | None:
    """The function name in a Lambda function ARN, or None."""
    found = _LAMBDA_ARN.match(arn)
    return found.group(3) if found else None


def queue_name_from_url(url: str) -> str:
    """The queue name a queue URL ends with (any host: ours, AWS's, LocalStack's)."""
    return url.rstrip("/").rsplit("/", 1)[-1]
