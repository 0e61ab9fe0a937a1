"""Identifiers: random UUIDs by default, injectable for deterministic tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable

IdFactory = Callable[[], str]


def new_uuid() -> str:
    return str(uuid.uuid4())
