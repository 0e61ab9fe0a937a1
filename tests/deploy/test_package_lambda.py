"""``orderflow package lambda DIR``: one zip, the same bytes each time, holding
orderflow as sources and what a function imports; unpacked as Lambda unpacks it, it
runs the handler in an interpreter that sees nothing else (no site-packages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from orderflow.entrypoints.cli.app import build_app

HERE = f"{sys.version_info.major}.{sys.version_info.minor}"  # this interpreter's wheels


def package(directory: Path) -> Path:
    result = CliRunner().invoke(
        build_app(), ["package", "lambda", str(directory), "--python-version", HERE]
    )
    assert result.exit_code == 0, result.output
    return directory / "orderflow-lambda.zip"


def test_the_bundle_runs_the_handler_on_its_own(tmp_path: Path) -> None:
    bundle = package(tmp_path / "one")
    assert bundle.read_bytes() == package(tmp_path / "two").read_bytes()
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert "orderflow/entrypoints/aws_lambda/__init__.py" in names
        assert "orderflow/adapters/postgres/migrations/0001_engine.sql" in names
        assert not [
            name for name in names if name.startswith("orderflow/") and name.endswith(".so")
        ]
        assert not [name for name in names if name.startswith(("typer/", "fastapi/", "bin/"))]
        archive.extractall(tmp_path / "task")
    program = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(tmp_path / 'task')!r})\n"
        "from orderflow.entrypoints.aws_lambda import handler\n"
        "import orderflow, psycopg, pydantic_core\n"
        "print(json.dumps([orderflow.__file__, handler({'Records': []}, None)]))\n"
    )
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "ORDERFLOW_CONSUMER": "inventory",
        "ORDERFLOW_DB": f"sqlite:///{tmp_path / 'state.db'}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never called: nothing to publish
    }
    done = subprocess.run(
        [sys.executable, "-S", "-I", "-c", program],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    location, answer = json.loads(done.stdout)
    assert location == str(tmp_path / "task" / "orderflow" / "__init__.py")
    assert answer == {"batchItemFailures": []}


def test_a_platform_pip_cannot_serve_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        build_app(), ["package", "lambda", str(tmp_path), "--platform", "no_such_platform"]
    )
    assert result.exit_code == 2
    assert "error: pip could not install the functions' dependencies" in result.stderr
