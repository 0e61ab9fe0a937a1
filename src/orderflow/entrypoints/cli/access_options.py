"""The options that say who may call a server: the AWS endpoint's SigV4 credentials
(``serve``, and ``api`` and ``up`` for the endpoint beside the order API) and the order
API's keys (``api``, ``up``, ``console``)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

import typer

from orderflow.entrypoints.api_keys import (
    API_KEY_ENVIRONMENT,
    ApiKey,
    parse_keys,
    read_keys_file,
)
from orderflow.entrypoints.aws_api.credentials import (
    CREDENTIALS_ENVIRONMENT,
    accepted_credentials,
)

RequireCredentialsOption = Annotated[
    bool,
    typer.Option(
        "--require-credentials",
        help="Refuse AWS requests not signed (SigV4) with one of the configured keys.",
    ),
]
CredentialsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--credentials",
        help=f"An accepted AWS key, ACCESS_KEY:SECRET_KEY (repeatable; also "
        f"${CREDENTIALS_ENVIRONMENT}, comma-separated).",
        show_default=False,
    ),
]
CredentialsFileOption = Annotated[
    Path | None,
    typer.Option(
        "--credentials-file",
        help="A file of ACCESS_KEY:SECRET_KEY lines.",
        show_default=False,
        dir_okay=False,
    ),
]
ApiKeyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--api-key",
        help=f"A key the order API accepts, NAME:SECRET or NAME:SECRET:read,write "
        f"(repeatable; also ${API_KEY_ENVIRONMENT}, keys separated by spaces). Clients send "
        "Authorization: Bearer SECRET.",
        show_default=False,
    ),
]
ApiKeysFileOption = Annotated[
    Path | None,
    typer.Option(
        "--api-keys-file",
        help="A file of NAME:SECRET[:SCOPES] lines, for the order API.",
        show_default=False,
        dir_okay=False,
    ),
]


def aws_credentials(required: bool, pairs: list[str] | None, file: Path | None) -> dict[str, str]:
    """The SigV4 keys to require (none unless ``--require-credentials``)."""
    return accepted_credentials(required, pairs, file, os.environ.get(CREDENTIALS_ENVIRONMENT))


def api_key_texts(keys: list[str] | None, file: Path | None) -> list[str]:
    """Every key text given: $ORDERFLOW_API_KEY, the file, the options (each checked)."""
    texts = os.environ.get(API_KEY_ENVIRONMENT, "").split()
    if file is not None:
        texts += read_keys_file(file)
    texts += keys or []
    parse_keys(texts)
    return texts


def api_keys(keys: list[str] | None, file: Path | None) -> list[ApiKey]:
    return parse_keys(api_key_texts(keys, file))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_open_without_key(host: str, has_keys: bool) -> None:
    """Binding beyond loopback without a key would let anyone place or cancel orders."""
    if not has_keys and not is_loopback(host):
        raise typer.BadParameter(
            f"{host} is reachable from other machines: give the order API a key "
            f"(--api-key NAME:SECRET, --api-keys-file or ${API_KEY_ENVIRONMENT}), or listen "
            "on 127.0.0.1.",
            param_hint="--host",
        )
