"""The options that say what carries the services' events (``orderflow up``, ``worker``
and ``api``): the embedded engine by default, or the AWS APIs with ``--aws``, as the AWS
SDKs configure them (region, profile and credentials from the standard chain; the
endpoint from ``--endpoint-url`` or $AWS_ENDPOINT_URL)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated, Final

import typer

from orderflow.bootstrap import TRANSPORT_ENVIRONMENT, AwsConnection

TRANSPORTS: Final = ("engine", "aws")

AwsOption = Annotated[
    bool,
    typer.Option(
        "--aws",
        help=(
            "Carry the events over the AWS APIs (SQS, EventBridge) instead of the embedded "
            f"engine; also ${TRANSPORT_ENVIRONMENT}=aws. The services' state stays in --db."
        ),
    ),
]
EndpointUrlOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help=(
            "The AWS-compatible endpoint (orderflow serve, moto, LocalStack); implies --aws. "
            "Default: $AWS_ENDPOINT_URL, else AWS itself."
        ),
        show_default=False,
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", help="The AWS region (default: the SDK's chain).", show_default=False),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile", help="The AWS profile (default: the SDK's chain).", show_default=False
    ),
]


@dataclass(frozen=True)
class TransportChoice:
    """What the options chose: ``aws`` None for the embedded engine."""

    aws: AwsConnection | None = None

    @property
    def arguments(self) -> list[str]:
        """The same choice as options, for the processes ``up`` starts."""
        if self.aws is None:
            return []
        arguments = ["--aws"]
        for option, value in (
            ("--endpoint-url", self.aws.endpoint_url),
            ("--region", self.aws.region),
            ("--profile", self.aws.profile),
        ):
            if value:
                arguments += [option, value]
        return arguments

    @property
    def label(self) -> str:
        return "the embedded engine" if self.aws is None else self.aws.label


def transport_choice(
    aws: bool, endpoint_url: str | None, region: str | None, profile: str | None
) -> TransportChoice:
    """The transport the options (and $ORDERFLOW_TRANSPORT) name."""
    chosen = os.environ.get(TRANSPORT_ENVIRONMENT, "").strip().lower()
    if chosen and chosen not in TRANSPORTS:
        raise typer.BadParameter(
            f"${TRANSPORT_ENVIRONMENT} is {chosen!r}: choose {' or '.join(TRANSPORTS)}",
            param_hint="--aws",
        )
    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        raise typer.BadParameter(
            f"{endpoint_url!r} is not a URL: give http://HOST:PORT or https://...",
            param_hint="--endpoint-url",
        )
    remote = aws or endpoint_url is not None or chosen == "aws"
    if not remote:
        if region or profile:
            raise typer.BadParameter(
                "is for the AWS APIs: add --aws (or --endpoint-url)",
                param_hint="--region/--profile",
            )
        return TransportChoice()
    return TransportChoice(AwsConnection(endpoint_url or None, region, profile))
