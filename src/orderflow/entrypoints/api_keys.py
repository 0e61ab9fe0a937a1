"""The order API's keys: who may read and who may change orders (no web stack here:
the CLI reads them before it imports one).

A key is written ``NAME:SECRET`` or ``NAME:SECRET:SCOPES``, SCOPES being ``read``,
``write`` or ``read,write`` (the default): from ``--api-key`` (repeatable), from
$ORDERFLOW_API_KEY (keys separated by spaces) or from a file (one key a line, ``#``
comments). A client presents the secret as ``Authorization: Bearer SECRET`` or
``X-Api-Key: SECRET``; the name is only for logs and messages.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from orderflow.errors import OrderflowError

API_KEY_ENVIRONMENT: Final = "ORDERFLOW_API_KEY"
MIN_SECRET_LENGTH: Final = 16


class ApiKeyError(OrderflowError):
    """A key could not be read; the message says which and how to write it."""


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class ApiKey:
    name: str
    digest: bytes
    """SHA-256 of the secret: every comparison is between equal-length digests."""
    scopes: frozenset[Scope]


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def parse_key(text: str) -> ApiKey:
    """One ``NAME:SECRET[:SCOPES]``."""
    name, _, rest = text.strip().partition(":")
    secret, _, scopes_text = rest.partition(":")
    if not name or not secret:
        raise ApiKeyError(
            f"An API key must be written NAME:SECRET or NAME:SECRET:read,write, not {text!r}."
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise ApiKeyError(
            f"The API key {name!r} has a secret of {len(secret)} characters: use at least "
            f"{MIN_SECRET_LENGTH} (python -c 'import secrets; print(secrets.token_urlsafe())')."
        )
    words = [word.strip() for word in scopes_text.split(",") if word.strip()] or ["read", "write"]
    unknown = [word for word in words if word not in {scope.value for scope in Scope}]
    if unknown:
        raise ApiKeyError(
            f"The API key {name!r} names unknown scopes {', '.join(unknown)}: "
            "choose read, write or read,write."
        )
    return ApiKey(name, _digest(secret), frozenset(Scope(word) for word in words))


def parse_keys(texts: Iterable[str]) -> list[ApiKey]:
    keys = [parse_key(text) for text in texts if text.strip()]
    names = [key.name for key in keys]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise ApiKeyError(f"Two API keys are named {', '.join(doubled)}: give each its own name.")
    return keys


def read_keys_file(path: Path) -> list[str]:
    """The key texts of a file (one a line, ``#`` comments)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ApiKeyError(f"Cannot read the API keys file {path}: {exc}") from exc
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


class ApiKeys:
    """The configured keys; ``find(secret)`` compares against each in constant time."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._keys = tuple(keys)

    def __bool__(self) -> bool:
        return bool(self._keys)

    def find(self, secret: str) -> ApiKey | None:
        """The key whose secret this is, or None: every key is compared (no early exit),
        each comparison over equal-length digests, so the time says nothing of which
        key, or how much of one, a guess matched."""
        presented = _digest(secret)
        found: ApiKey | None = None
        for key in self._keys:
            if hmac.compare_digest(key.digest, presented):
                found = key
        return found
