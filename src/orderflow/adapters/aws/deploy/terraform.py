"""A deployment as Terraform: a reusable module (``modules/orderflow``: versions,
variables, main and outputs) and two environments calling it
(``environments/staging``, ``environments/prod``), each with its own name prefix, tags
and sizes.

``module_files(deployment, heading)`` maps each file's path (relative to the output
directory) to its text; ``terraform_resources`` writes the module's resources.
"""

from __future__ import annotations

from typing import Final

from orderflow.adapters.aws.deploy import environments
from orderflow.adapters.aws.deploy.hcl import Attribute, Block, Expr, Item, document, quoted
from orderflow.adapters.aws.deploy.model import Deployment
from orderflow.adapters.aws.deploy.names import PREFIX_PATTERN
from orderflow.adapters.aws.deploy.terraform_resources import main_file
from orderflow.adapters.aws.deploy.terraform_values import TerraformValues
from orderflow.adapters.aws.deploy.values import Ref

MODULE: Final = "modules/orderflow"
PROVIDER: Final = {"source": "hashicorp/aws", "version": "~> 6.0"}
TERRAFORM_VERSION: Final = ">= 1.5"


def module_files(deployment: Deployment, heading: str) -> dict[str, str]:
    """Every file of the module and the environments, by path; ``heading``: the comment
    each file starts with (what it was exported from)."""
    top = (
        f"# {heading}\n"
        "# Written by orderflow export terraform: edit the topology, not this file.\n\n"
    )
    files = {
        f"{MODULE}/versions.tf": _versions(),
        f"{MODULE}/variables.tf": _variables(deployment),
        f"{MODULE}/main.tf": main_file(deployment),
        f"{MODULE}/outputs.tf": _outputs(deployment),
    }
    for environment in environments.ENVIRONMENTS:
        files.update(environments.files(environment, deployment.variables, _versions()))
    return {path: top + text for path, text in sorted(files.items())}


def _versions() -> str:
    return document(
        [
            Block(
                "terraform",
                (),
                (
                    Attribute("required_version", TERRAFORM_VERSION),
                    Block("required_providers", (), (Attribute("aws", PROVIDER),)),
                ),
            )
        ]
    )


def _variables(deployment: Deployment) -> str:
    blocks: list[Item] = [
        Block(
            "variable",
            ("name_prefix",),
            (
                Attribute(
                    "description",
                    "Put before every name (staging-, prod-): several environments in one account",
                ),
                Attribute("type", Expr("string")),
                Attribute("default", ""),
                Block(
                    "validation",
                    (),
                    (
                        Attribute(
                            "condition",
                            Expr(f"can(regex({quoted(PREFIX_PATTERN)}, var.name_prefix))"),
                        ),
                        Attribute(
                            "error_message", "name_prefix: at most 24 letters, digits, - or _."
                        ),
                    ),
                ),
            ),
        ),
        Block(
            "variable",
            ("tags",),
            (
                Attribute("description", "Tags on every resource, besides the module's own"),
                Attribute("type", Expr("map(string)")),
                Attribute("default", {}),
            ),
        ),
    ]
    for variable in deployment.variables:
        body: list[Item] = [
            Attribute("description", variable.description),
            Attribute("type", Expr(variable.type)),
        ]
        if variable.default is not None:
            body.append(Attribute("default", variable.default))
        blocks.append(Block("variable", (variable.name,), tuple(body)))
    return document(blocks)


def _outputs(deployment: Deployment) -> str:
    values = TerraformValues()
    return document(
        [
            Block(
                "output",
                ("alerts_topic_arn",),
                (
                    Attribute("description", "Where the alarms notify: subscribe to it"),
                    Attribute("value", Expr("aws_sns_topic.alerts.arn")),
                ),
            ),
            Block(
                "output",
                ("bus_arns",),
                (
                    Attribute("description", "Each bus's ARN, by its topology name"),
                    Attribute(
                        "value",
                        {
                            bus.key: Expr(values.address(Ref("bus", bus.key)))
                            for bus in deployment.buses
                        },
                    ),
                ),
            ),
            Block(
                "output",
                ("queue_urls",),
                (
                    Attribute("description", "Each queue's URL, by its topology name"),
                    Attribute(
                        "value",
                        {
                            q.key: Expr(values.address(Ref("queue", q.key, "url")))
                            for q in deployment.queues
                        },
                    ),
                ),
            ),
            Block(
                "output",
                ("role_arns",),
                (
                    Attribute(
                        "description", "Each role's ARN: one per bus target and per function"
                    ),
                    Attribute(
                        "value",
                        {r.key: Expr(values.address(Ref("role", r.key))) for r in deployment.roles},
                    ),
                ),
            ),
        ]
    )
