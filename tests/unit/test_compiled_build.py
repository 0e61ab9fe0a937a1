"""The engine's hot modules run compiled (mypyc), as installed by the project."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

COMPILED = [
    *(
        f"orderflow.eventbus.patterns.{name}"
        for name in ("field_index", "flatten", "intervals", "matchers", "trie", "walk", "wildcard")
    ),
    "orderflow.eventbus.bus.routing",
    "orderflow.eventbus.ids",
]


@pytest.mark.skipif(
    os.environ.get("ORDERFLOW_PURE_PYTHON") == "1",
    reason="ORDERFLOW_PURE_PYTHON=1 installs the engine uncompiled on purpose",
)
@pytest.mark.parametrize("name", COMPILED)
def test_hot_module_is_compiled(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).suffix == ".so", (
        f"{name} runs as plain Python ({module.__file__}): run `make test`, which installs "
        "the package with its compiled modules"
    )
