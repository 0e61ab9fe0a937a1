"""The environments the Terraform export writes beside its module: ``staging`` and
``prod``, each calling ``modules/orderflow`` with its own name prefix, tags and sizes,
in its own state (``terraform -chdir=environments/NAME apply``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from orderflow.adapters.aws.deploy.hcl import Attribute, Block, Expr, Item, document
from orderflow.adapters.aws.deploy.model import Variable

DEFAULT_REGION: Final = "eu-west-1"


@dataclass(frozen=True)
class Environment:
    name: str
    prefix: str
    sizes: Mapping[str, int]
    """Module variables this environment sets (those the module has)."""


ENVIRONMENTS: Final = (
    Environment(
        "staging",
        "staging-",
        {"archive_retention_days": 7, "oldest_message_alarm_s": 900, "lambda_memory_mb": 256},
    ),
    Environment(
        "prod",
        "prod-",
        {"archive_retention_days": 90, "oldest_message_alarm_s": 300, "lambda_memory_mb": 1024},
    ),
)
OUTPUTS: Final = ("alerts_topic_arn", "bus_arns", "queue_urls", "role_arns")


def files(
    environment: Environment, variables: tuple[Variable, ...], versions: str
) -> dict[str, str]:
    """The environment's files, by path; the module's ``variables`` with no default
    become the environment's own (its deployer gives them)."""
    base = f"environments/{environment.name}"
    tags = {"environment": environment.name, "application": "orderflow"}
    known = {variable.name for variable in variables}
    required = [variable for variable in variables if variable.default is None]
    module: list[Item] = [
        Attribute("source", "../../modules/orderflow"),
        Attribute("name_prefix", environment.prefix),
        Attribute("tags", tags),
    ]
    module.extend(
        Attribute(name, value) for name, value in sorted(environment.sizes.items()) if name in known
    )
    module.extend(Attribute(variable.name, Expr(f"var.{variable.name}")) for variable in required)
    main = document(
        [
            Block(
                "provider",
                ("aws",),
                (
                    Attribute("region", Expr("var.region")),
                    Block("default_tags", (), (Attribute("tags", tags),)),
                ),
            ),
            Block("module", ("orderflow",), tuple(module)),
        ]
    )
    declared: list[Item] = [
        Block(
            "variable",
            ("region",),
            (
                Attribute("description", "The AWS region to deploy in"),
                Attribute("type", Expr("string")),
                Attribute("default", DEFAULT_REGION),
            ),
        )
    ]
    declared.extend(
        Block(
            "variable",
            (variable.name,),
            (
                Attribute("description", variable.description),
                Attribute("type", Expr(variable.type)),
            ),
        )
        for variable in required
    )
    outputs = document(
        [
            Block("output", (name,), (Attribute("value", Expr(f"module.orderflow.{name}")),))
            for name in OUTPUTS
        ]
    )
    return {
        f"{base}/versions.tf": versions,
        f"{base}/main.tf": main,
        f"{base}/variables.tf": document(declared),
        f"{base}/outputs.tf": outputs,
    }
