"""Records to and from the JSON text the SQLite tables keep them in."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any, TypeVar

from orderflow.eventbus.model.bus import RetryPolicy, TargetRecord

R = TypeVar("R")


def dump(record: Any) -> str:
    return json.dumps(asdict(record), separators=(",", ":"), sort_keys=True)


def load(kind: type[R], text: str) -> R:
    values = json.loads(text)
    known = {field.name for field in fields(kind)}  # type: ignore[arg-type]
    return kind(**{key: value for key, value in values.items() if key in known})


def load_target(text: str) -> TargetRecord:
    values = json.loads(text)
    values["retry_policy"] = RetryPolicy(**values["retry_policy"])
    return TargetRecord(**values)


def load_tuple_fields(values: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        values[name] = tuple(values[name])
    return values
