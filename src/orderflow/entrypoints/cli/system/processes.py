"""``orderflow worker NAME`` and ``orderflow mail-sink``: the long-running parts.

Both stop on SIGTERM or Ctrl-C: a worker finishes the round in progress (its
messages are handled and deleted, or left for a retry), then exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Annotated, Final

import typer

from orderflow.bootstrap.system import install, mail_sink, smtp_mailer
from orderflow.entrypoints.api_keys import ApiKeys
from orderflow.entrypoints.cli.access_options import (
    ApiKeyOption,
    ApiKeysFileOption,
    CredentialsFileOption,
    CredentialsOption,
    RequireCredentialsOption,
    api_keys,
    aws_credentials,
    refuse_open_without_key,
)
from orderflow.entrypoints.cli.log_options import LogFormatOption
from orderflow.entrypoints.cli.system.api_address import record_api_url
from orderflow.entrypoints.cli.system.mail_options import (
    SMTP_HELP,
    MailFromOption,
    SmtpCaFileOption,
    smtp_server,
)
from orderflow.entrypoints.cli.system.opening import AppOption, apps_option, system
from orderflow.entrypoints.cli.system.transport_options import (
    AwsOption,
    EndpointUrlOption,
    ProfileOption,
    RegionOption,
    transport_choice,
)
from orderflow.entrypoints.system.logs import LogFormat, configure_logging
from orderflow.entrypoints.system.orphans import stop_with_supervisor
from orderflow.errors import OrderflowError
from orderflow.services.notifications.messages import SENDER
from orderflow.services.topology import SUBSCRIPTIONS

DEFAULT_SINK_PORT: Final = 8025
DEFAULT_SMTP: Final = f"127.0.0.1:{DEFAULT_SINK_PORT}"


def stop_on_signals(then: Callable[[], None] | None = None) -> threading.Event:
    """An event set by SIGTERM or SIGINT (which then call ``then``, if given)."""
    stop = threading.Event()

    def handle(_signum: int, _frame: object) -> None:
        stop.set()
        if then is not None:
            then()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def worker_command(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help=f"The consumer: {', '.join(SUBSCRIPTIONS)}, or one of an --app's.",
            show_default=False,
        ),
    ],
    *,
    smtp: Annotated[str, typer.Option("--smtp", help=SMTP_HELP)] = DEFAULT_SMTP,
    smtp_ca_file: SmtpCaFileOption = None,
    sender: MailFromOption = SENDER,
    retry_base: Annotated[
        int | None,
        typer.Option(
            "--retry-base",
            min=0,
            help="Seconds before the first retry (default: the consumer's queue settings', "
            "1 for orderflow's own).",
            show_default=False,
        ),
    ] = None,
    no_install: Annotated[
        bool, typer.Option("--no-install", help="Don't apply the topology first.")
    ] = False,
    wait_time: Annotated[
        int | None,
        typer.Option(
            "--wait-time",
            min=0,
            max=20,
            help="Seconds a receive long-polls (default: 1 on the engine, 20 on --aws).",
            show_default=False,
        ),
    ] = None,
    aws: AwsOption = False,
    endpoint_url: EndpointUrlOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    app: AppOption = None,
    log_format: LogFormatOption = LogFormat.TEXT,
) -> None:
    """Run one consumer: receive its queue, handle each event exactly once, until stopped."""
    chosen = transport_choice(aws, endpoint_url, region, profile)
    apps = apps_option(app)
    if name not in apps.consumers():
        raise typer.BadParameter(
            f"{name!r}: choose one of {', '.join(apps.consumers())}", param_hint="NAME"
        )
    configure_logging(name, log_format=log_format)
    stop = stop_on_signals()
    stop_with_supervisor()
    server = smtp_server(smtp, smtp_ca_file) if name == "notification" else None
    with system(ctx, existing=False, transport=chosen, apps=apps) as opened:
        if not no_install:
            install(opened)
        mailer = smtp_mailer(server) if server is not None else None
        try:
            worker = opened.worker(
                name,
                mailer=mailer,
                mail_from=sender,
                retry_base_s=retry_base,
                wait_time_s=wait_time,
            )
            worker.run(stop)
        finally:
            if mailer is not None:
                mailer.close()


def mail_sink_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = DEFAULT_SINK_PORT,
    log_format: LogFormatOption = LogFormat.TEXT,
) -> None:
    """Run the embedded SMTP server: it keeps every email it receives (see ``orderflow mail``)."""
    configure_logging("mail-sink", log_format=log_format)
    log = logging.getLogger("orderflow.mail")
    stop = stop_on_signals()
    stop_with_supervisor()
    with system(ctx, existing=False) as opened:
        sink = mail_sink(opened, host, port)
        try:
            sink.start()
        except OSError:
            log.exception("cannot listen on %s:%d", host, port)
            raise typer.Exit(1) from None
        log.info("listening on %s:%d", host, sink.port)
        stop.wait()
        sink.stop()
        log.info("stopped")


def api_command(
    ctx: typer.Context,
    *,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 4010,
    no_install: Annotated[
        bool, typer.Option("--no-install", help="Don't apply the topology first.")
    ] = False,
    aws: AwsOption = False,
    endpoint_url: EndpointUrlOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    api_key: ApiKeyOption = None,
    api_keys_file: ApiKeysFileOption = None,
    require_credentials: RequireCredentialsOption = False,
    credentials: CredentialsOption = None,
    credentials_file: CredentialsFileOption = None,
    log_format: LogFormatOption = LogFormat.TEXT,
) -> None:
    """Serve the order HTTP API, and beside it (at "/") the AWS-compatible EventBridge and
    SQS endpoint of the embedded engine, on one port (``orderflow up`` runs this beside
    everything else). With ``--aws`` the events go to the AWS APIs, which serve themselves.
    With ``--api-key`` the order API requires a key; with ``--require-credentials`` the
    endpoint requires SigV4 signatures; beyond loopback, a key is required."""
    # The web stack is imported here, not with the CLI: every other command starts faster.
    import uvicorn  # noqa: PLC0415 (lazy)

    from orderflow.entrypoints.api import build_api, close_api  # noqa: PLC0415 (lazy)
    from orderflow.entrypoints.api.aws_beside import mount_aws_beside  # noqa: PLC0415 (lazy)
    from orderflow.entrypoints.api.server import api_config  # noqa: PLC0415 (lazy)
    from orderflow.entrypoints.aws_api import (  # noqa: PLC0415 (lazy)
        AwsApiSettings,
        build_aws_app,
    )

    chosen = transport_choice(aws, endpoint_url, region, profile)
    try:
        keys = ApiKeys(api_keys(api_key, api_keys_file))
        signers = aws_credentials(require_credentials, credentials, credentials_file)
    except OrderflowError as exc:
        raise typer.BadParameter(str(exc)) from None
    refuse_open_without_key(host, bool(keys))
    configure_logging("api", log_format=log_format)
    # uvicorn handles SIGTERM and SIGINT while it serves, then raises the signal again for
    # the handler it found: ours, which records it, so the API is closed and says so. A
    # signal before uvicorn took over (while installing, say) stops it as it starts.
    stop = stop_on_signals()
    stop_with_supervisor()
    with system(ctx, existing=False, transport=chosen) as opened:
        if not no_install:
            install(opened)
        record_api_url(opened, host, port)  # for orderflow publisher
        app = build_api(opened, keys=keys)
        endpoint = (
            build_aws_app(opened.embedded, AwsApiSettings(credentials=signers))
            if opened.embedded is not None
            else None
        )
        if endpoint is not None:
            mount_aws_beside(app, endpoint)
        config = api_config(app, host=host, port=port)
        configure_logging("api", log_format=log_format)  # again: uvicorn's config reset its own
        log = logging.getLogger("orderflow.api")
        log.info("listening on %s:%d", host, port)
        server = uvicorn.Server(config)
        stop_on_signals(then=lambda: setattr(server, "should_exit", True))
        if stop.is_set():
            server.should_exit = True
        try:
            server.run()
        finally:
            close_api(app)
            if endpoint is not None:
                endpoint.close()
            log.info("stopped")
