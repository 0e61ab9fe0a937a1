"""The CLI starts without the web stack, the AWS SDK or the PostgreSQL driver: a command
imports them when it runs (``api``, ``serve``, ``--aws``, a PostgreSQL URL), not before."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("fastapi", "starlette", "uvicorn", "boto3", "botocore", "psycopg")


def _imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.split())
    return [name for name in HEAVY if name in loaded]


@pytest.mark.parametrize(
    "code",
    [
        "import orderflow.entrypoints.cli.app",
        # building the app registers every command, as --help does
        "from orderflow.entrypoints.cli.app import build_app\n"
        "import typer.main\ntyper.main.get_command(build_app())",
    ],
    ids=["import", "build"],
)
def test_the_cli_imports_no_web_stack_sdk_or_driver(code: str) -> None:
    assert _imported_after(code) == []


def test_help_imports_none_of_them_either() -> None:
    code = (
        "import sys\nfrom orderflow.entrypoints.cli.app import main\n"
        "sys.argv = ['orderflow', '--help']\ntry:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _imported_after(code) == []
