"""``orderflow up``: the whole system on this machine, one process per part, one log stream."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Final, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from orderflow.bootstrap import StorageUrlError, database_path, storage_location
from orderflow.bootstrap.apps import Apps
from orderflow.bootstrap.catalog import DEFAULT_CATALOG, load_catalog
from orderflow.bootstrap.system import install
from orderflow.entrypoints.api_keys import API_KEY_ENVIRONMENT
from orderflow.entrypoints.aws_api.credentials import CREDENTIALS_ENVIRONMENT
from orderflow.entrypoints.cli.access_options import (
    ApiKeyOption,
    ApiKeysFileOption,
    CredentialsFileOption,
    CredentialsOption,
    RequireCredentialsOption,
    api_key_texts,
    aws_credentials,
    refuse_open_without_key,
)
from orderflow.entrypoints.cli.context import CliSettings
from orderflow.entrypoints.cli.log_options import LogFormatOption
from orderflow.entrypoints.cli.system.mail_options import (
    SMTP_HELP,
    MailFromOption,
    SmtpCaFileOption,
    smtp_server,
)
from orderflow.entrypoints.cli.system.opening import AppOption, apps_option, system
from orderflow.entrypoints.cli.system.processes import DEFAULT_SINK_PORT, stop_on_signals
from orderflow.entrypoints.cli.system.prune import age_ms
from orderflow.entrypoints.cli.system.transport_options import (
    AwsOption,
    EndpointUrlOption,
    ProfileOption,
    RegionOption,
    transport_choice,
)
from orderflow.entrypoints.system.housekeeping import Housekeeping
from orderflow.entrypoints.system.logs import LOG_FORMAT_VARIABLE, LogFormat, json_line
from orderflow.entrypoints.system.supervisor import Supervisor, system_parts
from orderflow.errors import OrderflowError
from orderflow.services.notifications.messages import SENDER

ANSI_COLOURS: Final = ("36", "32", "33", "35", "34", "91", "96", "37")
"""Cyan, green, yellow, magenta, blue, bright red, bright cyan, white."""
READY_TIMEOUT_S: Final = 30.0
UP_REMOTE_WAIT_S: Final = 5


def wait_until_ready(url: str, timeout_s: float = READY_TIMEOUT_S) -> bool:
    """Whether ``url`` answered 200 before the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def ensure_free(host: str, port: int, option: str) -> None:
    """Refuse to start when a part's port is taken (its process would fail and restart)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise typer.BadParameter(
                f"{host}:{port} is not available ({exc.strerror}): is orderflow already "
                "running? Choose another port.",
                param_hint=option,
            ) from None


def printer(
    stream: TextIO, log_format: LogFormat = LogFormat.TEXT
) -> Callable[[str, list[str]], None]:
    """Write each part's lines as they come, in the part's colour on a terminal. Lines are
    written raw (one write for each batch, under a lock): the stream carries a line per
    delivery, and rendering each through rich cost more CPU than the delivery itself.
    In JSON, a line that is not a JSON object already (the supervisor's, a part's output
    outside its log) becomes one, so that every line of the stream parses; no colours."""
    colours: dict[str, str] = {}
    lock = threading.Lock()
    as_json = log_format is LogFormat.JSON
    coloured = stream.isatty() and not as_json

    def emit(name: str, lines: list[str]) -> None:
        if as_json:
            lines = [line if line.startswith("{") else json_line(name, line) for line in lines]
        elif coloured:
            colour = colours.setdefault(name, ANSI_COLOURS[len(colours) % len(ANSI_COLOURS)])
            lines = [f"\x1b[{colour}m{line}\x1b[0m" for line in lines]
        with lock:
            stream.write("\n".join(lines) + "\n")
            stream.flush()

    return emit


def replica_counts(given: list[str], consumers: list[str]) -> dict[str, int]:
    """``--replicas NAME=N`` options as {NAME: N}, each checked."""
    counts: dict[str, int] = {}
    for option in given:
        name, _, number = option.partition("=")
        if name not in consumers:
            raise typer.BadParameter(
                f"{option!r}: {name!r} is no consumer (choose one of {', '.join(consumers)})",
                param_hint="--replicas",
            )
        if not number.isdigit() or not 1 <= int(number) <= 64:
            raise typer.BadParameter(
                f"{option!r}: write NAME=N, N a whole number from 1 to 64",
                param_hint="--replicas",
            )
        counts[name] = int(number)
    return counts


def app_options(specs: list[str], apps: Apps) -> dict[str, list[str]]:
    """The ``--app`` options each application's consumers' workers need (orderflow's own
    need none; installed packages' entry points load by themselves)."""
    named = [("--app", spec) for spec in specs]
    options = [part for pair in named for part in pair]
    return {name: options for app in apps.users for name in app.consumers}


def _pass_access(
    host: str,
    *,
    api_key: list[str] | None,
    api_keys_file: Path | None,
    require_credentials: bool,
    credentials: list[str] | None,
    credentials_file: Path | None,
) -> list[str]:
    """Check the keys now (a mistake stops ``up`` before anything starts) and hand them
    to the API's process through its environment, never its command line (``ps`` shows
    that to every user); the API's options that go with them."""
    try:
        keys = api_key_texts(api_key, api_keys_file)
        signers = aws_credentials(require_credentials, credentials, credentials_file)
    except OrderflowError as exc:
        raise typer.BadParameter(str(exc)) from None
    refuse_open_without_key(host, bool(keys))
    if keys:
        os.environ[API_KEY_ENVIRONMENT] = " ".join(keys)
    if not signers:
        return []
    os.environ[CREDENTIALS_ENVIRONMENT] = ",".join(f"{k}:{v}" for k, v in signers.items())
    return ["--require-credentials"]


def up_command(
    ctx: typer.Context,
    *,
    host: Annotated[str, typer.Option("--host", help="Address of the HTTP API.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port of the HTTP API.")
    ] = 4010,
    smtp: Annotated[
        str | None,
        typer.Option("--smtp", help=f"{SMTP_HELP} Default: the embedded sink."),
    ] = None,
    smtp_ca_file: SmtpCaFileOption = None,
    sender: MailFromOption = SENDER,
    sink_port: Annotated[
        int, typer.Option("--sink-port", min=1, max=65535, help="Port of the embedded SMTP sink.")
    ] = DEFAULT_SINK_PORT,
    catalog: Annotated[
        Path | None,
        typer.Option("--catalog", help="Products and opening stock (YAML list).", dir_okay=False),
    ] = None,
    retention: Annotated[
        str,
        typer.Option(
            "--retention",
            help="Prune the delivery journal, published events and sent emails older than "
            "this, at start and every hour (as orderflow prune does); 'off' keeps them.",
        ),
    ] = "14d",
    aws: AwsOption = False,
    endpoint_url: EndpointUrlOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    app: AppOption = None,
    replicas: Annotated[
        list[str] | None,
        typer.Option(
            "--replicas",
            help="NAME=N: run N processes of consumer NAME (each supervised, restarted and "
            "drained); repeatable.",
            show_default=False,
        ),
    ] = None,
    api_key: ApiKeyOption = None,
    api_keys_file: ApiKeysFileOption = None,
    require_credentials: RequireCredentialsOption = False,
    credentials: CredentialsOption = None,
    credentials_file: CredentialsFileOption = None,
    log_format: LogFormatOption = LogFormat.TEXT,
) -> None:
    """Run the whole system: the HTTP API, the SMTP sink and every consumer (orderflow's
    own and those of each --app), each its own process, until Ctrl-C (which drains and
    stops them cleanly). Their events go through the embedded engine, or with ``--aws``
    through the AWS APIs (SQS and EventBridge at ``--endpoint-url``: AWS itself,
    orderflow serve elsewhere, moto, LocalStack)."""
    chosen = transport_choice(aws, endpoint_url, region, profile)
    apps = apps_option(app)
    counts = replica_counts(replicas or [], list(apps.consumers()))
    if smtp is None and smtp_ca_file is not None:
        raise typer.BadParameter(
            "is for a real SMTP server: name it with --smtp", param_hint="--smtp-ca-file"
        )
    server = smtp_server(smtp, smtp_ca_file) if smtp is not None else None
    keep_ms = None if retention == "off" else age_ms(retention, "--retention")
    api_options = _pass_access(
        host,
        api_key=api_key,
        api_keys_file=api_keys_file,
        require_credentials=require_credentials,
        credentials=credentials,
        credentials_file=credentials_file,
    )
    ensure_free(host, port, "--port")
    if smtp is None:
        ensure_free("127.0.0.1", sink_port, "--sink-port")
    console = Console(soft_wrap=True)  # paths and URLs whole in a log file too
    emit = printer(sys.stdout, log_format)

    def say(markup: str) -> None:
        """One of up's own lines: as rich markup, or in JSON a log line of "up"."""
        if log_format is LogFormat.JSON:
            emit("up", [Text.from_markup(markup).plain])
        else:
            console.print(markup)

    settings = ctx.find_object(CliSettings) or CliSettings()
    try:
        location = storage_location(settings.db)
        if location.in_memory:
            database_path(settings.db)  # refused: the parts are processes of their own
    except StorageUrlError as exc:
        raise typer.BadParameter(str(exc), param_hint="--db") from None
    db = location.argument
    with system(ctx, existing=False, transport=chosen, apps=apps) as opened:
        products = load_catalog(catalog) if catalog else DEFAULT_CATALOG
        plan = install(opened, products)
    where = "" if chosen.aws is None else f", events through {escape(chosen.label)}"
    say(
        f"[bold]orderflow[/] on {escape(location.shown)}{where}: topology "
        f"{'applied (' + str(len(plan.changes)) + ' changes)' if plan.changes else 'up to date'}"
    )
    if server is not None:
        say(
            f"mail: through the relay {escape(str(server))}; no embedded SMTP sink runs "
            "(--smtp replaces it)"
        )
    stop = stop_on_signals()
    supervisor = Supervisor(
        db,
        system_parts(
            host=host,
            port=port,
            smtp=smtp,
            smtp_ca_file=smtp_ca_file,
            mail_from=sender,
            sink_port=sink_port,
            workers=list(apps.consumers()),
            retry_base_s=None,
            transport=chosen.arguments,
            replicas=counts,
            worker_options=app_options(app or [], apps),
            # A worker drains by finishing its receive: on the AWS APIs, long polls of 5 s
            # (not 20) keep Ctrl-C well within the supervisor's grace period.
            worker_wait_s=UP_REMOTE_WAIT_S if chosen.aws else None,
            api_options=api_options,
        ),
        emit,
        environment={LOG_FORMAT_VARIABLE: log_format.value},
    )
    supervisor.start()
    housekeeping = Housekeeping(db, keep_ms, emit, aws=chosen.aws) if keep_ms is not None else None
    if housekeeping is not None:
        housekeeping.start()
    try:
        if wait_until_ready(f"http://{host}:{port}/health"):
            sdks = (
                f"AWS SDKs and CLI: --endpoint-url http://{host}:{port}"
                if chosen.aws is None
                else f"events through {escape(chosen.label)}"
            )
            say(
                f"[bold green]ready[/]: API http://{host}:{port} (docs /docs; {sdks}), "
                f"SMTP {'sink 127.0.0.1:' + str(sink_port) if server is None else server}; "
                "Ctrl-C stops"
            )
        else:
            say("[red]the API did not answer within 30 s; see the log above[/]")
        stop.wait()
        say("[bold]stopping[/]: draining workers …")
    finally:
        if housekeeping is not None:
            housekeeping.stop()
        supervisor.stop()
    say("[bold]stopped[/]")
