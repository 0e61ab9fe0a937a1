"""``orderflow package lambda DIR``: the consumers' deployment bundle, one zip for every
function (``orderflow-lambda.zip``; the handler is the same, the consumer is each
function's ``ORDERFLOW_CONSUMER``).

It holds the orderflow package as Python sources (the mypyc-compiled modules of this
machine's interpreter stay out: their ``.py`` twins run instead) and the dependencies
a function imports, installed by pip for Lambda's platform and Python (binary wheels:
orjson, pydantic-core and psycopg's are not pure Python). The zip's entries are sorted
and dated 1980-01-01, so the same inputs make the same bytes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Final

import orderflow
from orderflow.adapters.aws.deploy.errors import ExportError

BUNDLE: Final = "orderflow-lambda.zip"
LAMBDA_PLATFORM: Final = "manylinux2014_x86_64"
LAMBDA_PYTHON: Final = "3.12"
FUNCTION_DEPENDENCIES: Final = frozenset({"orjson", "pydantic", "boto3", "psycopg", "psycopg-pool"})
"""What a function imports besides the standard library (the rest of orderflow's
dependencies serve the CLI, the HTTP API and the SMTP sink)."""
PACKAGE_FILES: Final = ("*.py", "py.typed", "*.sql")
_NAME: Final = re.compile(r"^[A-Za-z0-9._-]+")
_EPOCH: Final = (1980, 1, 1, 0, 0, 0)


def function_requirements() -> list[str]:
    """The functions' dependencies, pinned as orderflow's own metadata pins them."""
    wanted = []
    for requirement in metadata.requires("orderflow") or []:
        if ";" in requirement:  # an extra's, or another platform's
            continue
        found = _NAME.match(requirement)
        if found and found.group(0).lower() in FUNCTION_DEPENDENCIES:
            wanted.append(requirement)
    return sorted(wanted)


def build_bundle(directory: Path, *, platform: str, python_version: str) -> Path:
    """Build ``directory/orderflow-lambda.zip`` (``directory/package`` holds what it
    zips, made anew); the zip's path."""
    staging = directory / "package"
    try:
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
    except OSError as exc:
        raise ExportError(f"{staging}: cannot be written: {exc.strerror or exc}") from exc
    _copy_package(staging / "orderflow")
    _install(staging, platform, python_version)
    bundle = directory / BUNDLE
    _zip(staging, bundle)
    return bundle


def _copy_package(target: Path) -> None:
    source = Path(orderflow.__file__).parent
    for pattern in PACKAGE_FILES:
        for path in source.rglob(pattern):
            if "__pycache__" in path.parts:
                continue
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def _install(target: Path, platform: str, python_version: str) -> None:
    command = [
        sys.executable,
        *("-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"),
        *("--target", str(target), "--only-binary=:all:", "--implementation", "cp"),
        *("--platform", platform, "--python-version", python_version),
        *function_requirements(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
        reason = errors[-1] if errors else (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise ExportError(f"pip could not install the functions' dependencies: {reason}")
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: not for Lambda


def _zip(staging: Path, bundle: Path) -> None:
    files = sorted(
        (path for path in staging.rglob("*") if path.is_file()),
        key=lambda path: path.relative_to(staging).as_posix(),
    )
    try:
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                entry = zipfile.ZipInfo(path.relative_to(staging).as_posix(), _EPOCH)
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes())
    except OSError as exc:
        raise ExportError(f"{bundle}: cannot be written: {exc.strerror or exc}") from exc
