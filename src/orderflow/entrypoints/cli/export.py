"""``orderflow export cloudformation FILE`` and ``orderflow export terraform DIR``: the
topology the services use (or ``--topology FILE``) as infrastructure for AWS.

The same topology makes both: buses, rules and targets (retry policy, a dead-letter
queue each), queues with their DLQs and redrive policies, queue policies and Lambda
permissions scoped to one rule, a role per bus target (and per function), archives,
alarms and their SNS topic (``adapters.aws.deploy``). ``--consumers lambda`` also
makes each consumer a Lambda function fed by its queue. An unchanged topology exports
the same bytes.

Exit status: 0 when written; 2 when the topology cannot be read or deployed as it
stands, or the output cannot be written.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from orderflow.adapters.aws.deploy.errors import ExportError

if TYPE_CHECKING:
    from orderflow.adapters.aws.deploy.lambdas import LambdaConsumer
    from orderflow.adapters.aws.deploy.model import Deployment
    from orderflow.eventbus.topology_file import TopologySpec

USAGE_EXIT: Final = 2


class Consumers(enum.StrEnum):
    """What consumes the consumers' queues on AWS."""

    QUEUES = "queues"
    LAMBDA = "lambda"


TopologyOption = Annotated[
    Path | None,
    typer.Option(
        "--topology",
        help="A topology file (as for orderflow apply) instead of the services' own.",
        show_default=False,
        dir_okay=False,
    ),
]
ConsumersOption = Annotated[
    Consumers,
    typer.Option(
        "--consumers",
        help="queues: the consumers run where you run them (orderflow up --aws); lambda: "
        "each is also a Lambda function fed by its queue.",
        case_sensitive=False,
    ),
]


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="export",
        help="The topology as infrastructure for AWS: CloudFormation or Terraform.",
        no_args_is_help=True,
    )
    app.command("cloudformation")(export_cloudformation)
    app.command("terraform")(export_terraform)
    return app


def export_cloudformation(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The template to write (JSON).")],
    topology: TopologyOption = None,
    consumers: ConsumersOption = Consumers.QUEUES,
) -> None:
    """Write one CloudFormation template (deploy it with aws cloudformation deploy)."""
    from orderflow.adapters.aws.deploy.cloudformation import template_text  # noqa: PLC0415
    from orderflow.adapters.aws.deploy.writing import write_file  # noqa: PLC0415

    heading, planned = _deployment(topology, consumers)
    try:
        write_file(file, template_text(planned, f"orderflow: {heading}"))
    except ExportError as exc:
        _fail(str(exc))
    typer.echo(f"Wrote {file}")


def export_terraform(
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="Where to write modules/orderflow and environments/staging|prod.",
        ),
    ],
    topology: TopologyOption = None,
    consumers: ConsumersOption = Consumers.QUEUES,
) -> None:
    """Write a Terraform module and the staging and prod environments that use it."""
    from orderflow.adapters.aws.deploy.terraform import module_files  # noqa: PLC0415
    from orderflow.adapters.aws.deploy.writing import write_tree  # noqa: PLC0415

    heading, planned = _deployment(topology, consumers)
    try:
        written = write_tree(directory, module_files(planned, f"orderflow: {heading}"))
    except ExportError as exc:
        _fail(str(exc))
    typer.echo(f"Wrote {len(written)} files under {directory}")


def _deployment(topology: Path | None, consumers: Consumers) -> tuple[str, Deployment]:
    """What is exported (for the files' heading), and its deployment."""
    # The deployment's builders and pydantic (the topology's schema) are imported when
    # something is exported, not with every command of the CLI.
    from orderflow.adapters.aws.deploy.build import deployment  # noqa: PLC0415
    from orderflow.bootstrap.system import services_topology  # noqa: PLC0415
    from orderflow.eventbus.topology_file import TopologyError, load_topology  # noqa: PLC0415

    try:
        spec = services_topology() if topology is None else load_topology(topology)
    except TopologyError as exc:
        _fail(str(exc))
    heading = "the services' topology" if topology is None else f"topology file {topology.name}"
    functions = _lambda_consumers(spec) if consumers is Consumers.LAMBDA else None
    try:
        return heading, deployment(spec, functions)
    except ExportError as exc:
        _fail(str(exc))


def _lambda_consumers(spec: TopologySpec) -> dict[str, LambdaConsumer]:
    """The services' consumers whose queue the topology has, by queue."""
    from orderflow.adapters.aws.deploy.lambdas import LambdaConsumer  # noqa: PLC0415
    from orderflow.services.context import ORDERS_BUS  # noqa: PLC0415
    from orderflow.services.topology import SUBSCRIPTIONS  # noqa: PLC0415

    found = {
        subscription.queue: LambdaConsumer(subscription.name, ORDERS_BUS)
        for subscription in SUBSCRIPTIONS.values()
        if subscription.queue in spec.queues
    }
    if not found:
        _fail(
            "--consumers lambda: the topology has none of the consumers' queues "
            f"({', '.join(sorted(SUBSCRIPTIONS))})"
        )
    return found


def _fail(message: str) -> NoReturn:
    Console(stderr=True, soft_wrap=True, highlight=False).print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(USAGE_EXIT)
