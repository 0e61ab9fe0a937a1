"""PostgreSQL URLs as a user may see them: the password masked, wherever it appears.

A URL is shown as ``postgresql://user:***@host/db``, even one that does not parse (the
password is found by its place, between ``user:`` and ``@``); a driver message that
quotes the URL, or a ``password=...`` keyword, is scrubbed the same way.
"""

from __future__ import annotations

import re
from typing import Final

_USERINFO: Final = re.compile(
    r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@?#]*:)(?P<password>[^@/]*)@"
)
_KEYWORD: Final = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_SHORTEST_SCRUBBED: Final = 4
"""A password shorter than this is not looked for in free text (it would mask words)."""


def masked(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***``."""
    shown = _USERINFO.sub(lambda m: f"{m['head']}***@", url, count=1)
    return _KEYWORD.sub(r"\1***", shown)


def scrubbed(text: str, url: str) -> str:
    """``text`` (a driver's message about ``url``) with ``url``'s password masked."""
    text = text.replace(url, masked(url))
    found = _USERINFO.match(url)
    if found and len(found["password"]) >= _SHORTEST_SCRUBBED:
        text = text.replace(found["password"], "***")
    return _KEYWORD.sub(r"\1***", text)
