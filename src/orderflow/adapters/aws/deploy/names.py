"""Names on AWS: within AWS's length limits whatever the environment's prefix, and
identifiers for each renderer, stable across exports (no randomness, no counters
that shift when a resource is added elsewhere)."""

from __future__ import annotations

import hashlib
import re
from typing import Final

from orderflow.adapters.aws.deploy.errors import ExportError

MAX_PREFIX: Final = 24
"""The longest environment name prefix (``orderflow-staging-``): every name is checked
to fit AWS's limit with a prefix this long."""
PREFIX_PATTERN: Final = r"^[A-Za-z0-9_-]{0,24}$"

LIMITS: Final = {
    "bus": 256,
    "queue": 80,
    "rule": 64,
    "role": 64,
    "archive": 48,
    "alarm": 255,
    "function": 64,
    "topic": 256,
}

_WORD: Final = re.compile(r"[A-Za-z0-9]+")


def check_fits(kind: str, text: str) -> str:
    """``text`` if a prefixed name of ``kind`` fits AWS's limit, else ``ExportError``."""
    room = LIMITS[kind] - MAX_PREFIX
    if len(text) > room:
        raise ExportError(
            f"{kind} {text!r}: {len(text)} characters, but with the environment's prefix "
            f"(up to {MAX_PREFIX}) AWS takes at most {room}; give it a shorter name"
        )
    return text


def fitted(kind: str, text: str) -> str:
    """A made-up name of ``kind``: ``text``, or, when too long, its start and a hash of
    the whole (the same every export)."""
    room = LIMITS[kind] - MAX_PREFIX
    if len(text) <= room:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{text[: room - 9].rstrip('-_.')}-{digest}"


def camel(*parts: str) -> str:
    """A CloudFormation logical id: ``("queue", "order-processing")`` → ``QueueOrderProcessing``."""
    return "".join(word[:1].upper() + word[1:] for part in parts for word in _WORD.findall(part))


def snake(*parts: str) -> str:
    """A Terraform resource name: ``("order-processing",)`` → ``order_processing``."""
    words = [word.lower() for part in parts for word in _WORD.findall(part)]
    name = "_".join(words)
    return name if name[:1].isalpha() else f"r_{name}"
