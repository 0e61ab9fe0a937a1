"""The access keys ``--require-credentials`` accepts: ``KEY:SECRET`` pairs, from options,
a file (one pair per line, ``#`` comments) or $ORDERFLOW_AWS_CREDENTIALS (comma-separated)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from orderflow.errors import OrderflowError

CREDENTIALS_ENVIRONMENT: Final = "ORDERFLOW_AWS_CREDENTIALS"


class CredentialsError(OrderflowError):
    """A credential could not be read; the message says which and how to write it."""


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``{access key: secret}`` from ``KEY:SECRET`` texts."""
    keys: dict[str, str] = {}
    for pair in pairs:
        key, separator, secret = pair.strip().partition(":")
        if not separator or not key or not secret:
            raise CredentialsError(
                f"A credential must be written ACCESS_KEY:SECRET_KEY, not {pair.strip()!r}."
            )
        keys[key] = secret
    return keys


def read_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CredentialsError(f"Cannot read the credentials file {path}: {exc}") from exc
    lines = (line.strip() for line in text.splitlines())
    return parse_pairs(line for line in lines if line and not line.startswith("#"))


def from_environment(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    return parse_pairs(item for item in value.split(",") if item.strip())


def accepted_credentials(
    required: bool, pairs: Iterable[str] | None, file: Path | None, environment: str | None
) -> dict[str, str]:
    """The keys ``--require-credentials`` accepts (none when not required): from
    $ORDERFLOW_AWS_CREDENTIALS (``environment``), then the file, then the options."""
    if not required:
        return {}
    keys = from_environment(environment)
    if file is not None:
        keys.update(read_file(file))
    keys.update(parse_pairs(pairs or []))
    if not keys:
        raise CredentialsError(
            "--require-credentials needs at least one key: --credentials KEY:SECRET, "
            f"--credentials-file PATH or ${CREDENTIALS_ENVIRONMENT}."
        )
    return keys
