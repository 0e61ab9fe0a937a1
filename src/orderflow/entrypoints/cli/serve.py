"""``orderflow serve``: the AWS-compatible endpoint (EventBridge + SQS) over the engine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from orderflow.bootstrap import open_engine
from orderflow.entrypoints.aws_api.address import DEFAULT_HOST, DEFAULT_PORT
from orderflow.entrypoints.aws_api.credentials import CredentialsError
from orderflow.entrypoints.cli.access_options import (
    CredentialsFileOption,
    CredentialsOption,
    RequireCredentialsOption,
    aws_credentials,
)
from orderflow.entrypoints.cli.context import CliSettings
from orderflow.entrypoints.cli.log_options import LogFormatOption
from orderflow.entrypoints.system.logs import LogFormat, configure_logging, json_line
from orderflow.errors import OrderflowError
from orderflow.eventbus.errors import StoreError


def serve_command(
    ctx: typer.Context,
    *,
    host: Annotated[
        str, typer.Option("--host", help="The address to listen on (loopback by default).")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = DEFAULT_PORT,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="The engine's SQLite file.", show_default=False, dir_okay=False),
    ] = None,
    require_credentials: RequireCredentialsOption = False,
    credentials: CredentialsOption = None,
    credentials_file: CredentialsFileOption = None,
    log_format: LogFormatOption = LogFormat.TEXT,
) -> None:
    """Serve EventBridge and SQS over HTTP, for AWS SDKs and the AWS CLI.

    Point a client at it: `aws --endpoint-url http://127.0.0.1:4010 events put-events ...`,
    `boto3.client("sqs", endpoint_url=...)`, or AWS_ENDPOINT_URL. Any access key works
    unless --require-credentials.
    """
    try:
        keys = aws_credentials(require_credentials, credentials, credentials_file)
    except CredentialsError as exc:
        _fail(str(exc))
    settings = ctx.find_object(CliSettings) or CliSettings()
    try:
        engine = open_engine(db or settings.db)
    except StoreError as exc:
        _fail(str(exc))
    configure_logging("serve", log_format=log_format)
    listening = (
        f"orderflow: EventBridge + SQS endpoint on http://{host}:{port} "
        f"({'SigV4 required' if keys else 'any credentials'}; metrics at /metrics); "
        "Ctrl-C stops it."
    )
    typer.echo(
        json_line("serve", listening) if log_format is LogFormat.JSON else listening, err=True
    )
    from orderflow.entrypoints.aws_api import AwsApiSettings, serve  # noqa: PLC0415 (lazy)

    try:
        serve(engine, host=host, port=port, settings=AwsApiSettings(credentials=keys))
    except OrderflowError as exc:
        _fail(str(exc))
    finally:
        engine.store.close()


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"\n{message}\n")
    raise typer.Exit(2)
