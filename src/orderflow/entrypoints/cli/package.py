"""``orderflow package lambda DIR``: the consumers' Lambda bundle
(``DIR/orderflow-lambda.zip``, see ``adapters.aws.deploy.bundle``), to upload where
the export's ``lambda_code_bucket``/``lambda_code_key`` say.

Exit status: 0 when built; 2 when DIR cannot be written or pip cannot install the
dependencies for the platform asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from orderflow.adapters.aws.deploy.bundle import LAMBDA_PLATFORM, LAMBDA_PYTHON, build_bundle
from orderflow.adapters.aws.deploy.errors import ExportError
from orderflow.entrypoints.cli.export import USAGE_EXIT


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="package", help="Build deployment bundles for AWS.", no_args_is_help=True
    )
    app.command("lambda")(package_lambda)
    return app


def package_lambda(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to build the bundle.")],
    platform: Annotated[
        str, typer.Option("--platform", help="The wheels' platform (Lambda's: x86_64).")
    ] = LAMBDA_PLATFORM,
    python_version: Annotated[
        str, typer.Option("--python-version", help="The functions' Python (their runtime's).")
    ] = LAMBDA_PYTHON,
) -> None:
    """Build the consumers' Lambda bundle: orderflow and what a function imports."""
    try:
        bundle = build_bundle(directory, platform=platform, python_version=python_version)
    except ExportError as exc:
        Console(stderr=True, soft_wrap=True, highlight=False).print(
            f"[red]error:[/] {escape(str(exc))}"
        )
        raise typer.Exit(USAGE_EXIT) from None
    typer.echo(f"Wrote {bundle} ({bundle.stat().st_size // 1024} KiB)")
