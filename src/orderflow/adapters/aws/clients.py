"""Connecting to an AWS endpoint: the SDK's own conventions, and its errors made ours.

``AwsConnection`` says where (``endpoint_url``: real AWS when None, else any
AWS-compatible endpoint; ``AWS_ENDPOINT_URL`` is read by boto3 itself), in which
region and with which profile; credentials come from boto3's standard chain
(environment, shared files, instance roles). ``translated`` turns what botocore
raises into an ``AwsError`` carrying AWS's error code and message, or an
``EndpointUnreachable`` when no answer came at all.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Final

import boto3
import botocore.config
import botocore.exceptions

from orderflow.adapters.aws.connection import DEFAULT_REGION, AwsConnection
from orderflow.errors import OrderflowError
from orderflow.eventbus.errors import AwsError

__all__ = ["AwsConnection", "EndpointUnreachable", "RemoteAwsError", "client", "translated"]


class RemoteAwsError(AwsError):
    """An error an AWS endpoint answered with; ``remote_error`` makes one per code, so that
    ``error.code`` is the endpoint's."""


@functools.cache
def _error_class(code: str) -> type[RemoteAwsError]:
    return type(f"Remote{code.rsplit('.', 1)[-1]}", (RemoteAwsError,), {"code": code})


def remote_error(code: str, message: str) -> RemoteAwsError:
    """The error an endpoint answered with, ``code`` and ``message`` as it sent them."""
    return _error_class(code)(message)


class AwsSettingsError(OrderflowError):
    """The AWS settings (profile, region, endpoint) cannot make a client."""


class EndpointUnreachable(AwsError):
    """No answer from the endpoint (refused, timed out, unknown host, no credentials)."""

    code: ClassVar[str] = "EndpointUnreachable"


def client(connection: AwsConnection, service: str, *, read_timeout_s: float = 30.0) -> Any:
    """A boto3 client of ``service`` ("sqs", "events", "sts") at ``connection``;
    ``read_timeout_s`` must exceed a long poll's wait. botocore's own retries are on
    (standard mode: throttling and transient network errors)."""
    config = botocore.config.Config(
        retries={"mode": "standard", "max_attempts": 4},
        read_timeout=read_timeout_s,
        connect_timeout=5,
        max_pool_connections=16,
    )
    try:
        session = boto3.session.Session(
            profile_name=connection.profile, region_name=connection.region
        )
        if session.region_name is None:
            session = boto3.session.Session(
                profile_name=connection.profile, region_name=DEFAULT_REGION
            )
        return session.client(service, endpoint_url=connection.endpoint_url, config=config)
    except botocore.exceptions.BotoCoreError as exc:  # a profile or setting that is not
        raise AwsSettingsError(f"Cannot reach the AWS APIs as configured: {exc}") from exc


TRANSIENT_CODES: Final = frozenset(
    {
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "ThrottlingException",
        "Throttling",
        "RequestThrottled",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "KMSThrottlingException",
        "ExpiredToken",
        "ExpiredTokenException",
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "AWS.SimpleQueueService.RequestThrottled",
    }
)
"""AWS error codes about a request's circumstances (the service, throttling,
credentials), not about what it asked."""


def transient(code: str | None, status: int | None = None) -> bool:
    """Whether an error answered for a request (or a PutEvents entry) says nothing about
    what was asked: asking again later may succeed, and it must not count against the
    messages or events at hand."""
    return (status is not None and status >= 500) or code in TRANSIENT_CODES


_NO_ANSWER: Final = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.HTTPClientError,
)


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Run a boto3 call, raising ``RemoteAwsError`` for an error the endpoint answered
    with, and ``EndpointUnreachable`` when it did not answer or answered with a transient
    error (``transient``); ``where`` names it. A request boto3 refused to send
    (``ParamValidationError``) is a ``ValidationException``."""
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "InternalFailure"))
        message = str(error.get("Message", exc))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if transient(code, status):
            raise EndpointUnreachable(f"{where} answered {code}: {message}") from exc
        raise remote_error(code, message) from exc
    except botocore.exceptions.NoCredentialsError as exc:
        raise EndpointUnreachable(
            f"No AWS credentials for {where}: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or --profile (any values do for orderflow serve)."
        ) from exc
    except botocore.exceptions.ParamValidationError as exc:
        raise remote_error("ValidationException", str(exc)) from exc
    except _NO_ANSWER as exc:
        raise EndpointUnreachable(f"{where} did not answer: {exc}") from exc
    except botocore.exceptions.BotoCoreError as exc:  # botocore's own trouble, as it says it
        raise EndpointUnreachable(f"{where}: {exc}") from exc
