"""The JSON text a target receives: compact, written without recursion, always valid UTF-8.

[guide] is the user guide page cited in the package docstring (``orderflow.eventbus.transform``).

- Inserted JSON is compact (``,`` and ``:`` without spaces: [guide], "The JSON that
  is passed to the target is minified"). Non-ASCII text is written as is.
- Encoding is iterative, so any nesting depth is fine.

Choices where AWS is silent or unknown (tests pin each one)
-----------------------------------------------------------
- Output text never holds an unpaired UTF-16 surrogate: any that the event or
  template carries is written as a ``\\uXXXX`` escape, so the text always encodes
  as UTF-8. Non-finite floats, which JSON cannot express, are written as ``null``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Final

__all__ = ["dumps", "escape_lone_surrogates"]

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class _Token(str):
    """Literal JSON punctuation queued on the encoder's stack (never confused with a value)."""

    __slots__ = ()


def dumps(value: object) -> str:
    """Compact JSON text for decoded JSON data, without recursion (any nesting depth).

    Non-ASCII text is written as is; non-finite floats become ``null``.
    """
    out: list[str] = []
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if type(item) is _Token:
            out.append(item)
        elif isinstance(item, Mapping):
            pending: list[object] = [_Token("{")]
            for index, (key, child) in enumerate(item.items()):
                if not isinstance(key, str):
                    raise TypeError(f"JSON object keys must be str, not {type(key).__name__}")
                comma = "," if index else ""
                pending.append(_Token(f"{comma}{_dumps_scalar(key)}:"))
                pending.append(child)
            pending.append(_Token("}"))
            stack.extend(reversed(pending))
        elif isinstance(item, list | tuple):
            pending = [_Token("[")]
            for index, child in enumerate(item):
                if index:
                    pending.append(_Token(","))
                pending.append(child)
            pending.append(_Token("]"))
            stack.extend(reversed(pending))
        else:
            out.append(_dumps_scalar(item))
    return "".join(out)


def _dumps_scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else "null"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def escape_lone_surrogates(text: str) -> str:
    """Write unpaired surrogates as ``\\uXXXX`` so the text always encodes as UTF-8."""
    if not _LONE_SURROGATE.search(text):
        return text
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
