"""Paginated lists, as AWS's list operations answer: at most ``limit`` items, and a
``NextToken`` when more follow.

Items are listed in the order of a unique key (a name); a token is opaque to clients and
names the last key returned and the filter it was made under, so the next page starts
after that key (an item created or deleted between two calls moves no other item across
the page boundary). A token made under another filter, or not made here, is refused by
the caller's error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, and the token of the next one (None: this is the last)."""

    items: list[T] = field(default_factory=list)
    next_token: str | None = None


def paginate(
    items: Sequence[T],
    key: Callable[[T], str],
    *,
    limit: int | None,
    token: str | None,
    scope: str,
    invalid: Callable[[], Exception],
) -> Page[T]:
    """The page of ``items``, put in ``key`` order, after ``token``: ``limit`` items at
    most (None: all of them). ``scope`` is the filter the list was made under (a name
    prefix...): a token is only good for the same one."""
    after = _read(token, scope, invalid) if token is not None else None
    rest = sorted((item for item in items if after is None or key(item) > after), key=key)
    if limit is None or len(rest) <= limit:
        return Page(rest)
    chosen = rest[:limit]
    return Page(chosen, _make(key(chosen[-1]), scope))


def _make(after: str, scope: str) -> str:
    text = json.dumps({"after": after, "scope": scope}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def _read(token: str, scope: str, invalid: Callable[[], Exception]) -> str:
    try:
        document = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid() from None
    if (
        not isinstance(document, dict)
        or document.get("scope") != scope
        or not isinstance(document.get("after"), str)
    ):
        raise invalid()
    return str(document["after"])
