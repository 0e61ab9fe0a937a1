"""The shipping example (``examples/shipping``), importable as ``shipping``."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

SHIPPING_DIR = Path(__file__).resolve().parents[2] / "examples" / "shipping"


@pytest.fixture
def shipping(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(SHIPPING_DIR))
    import shipping as module

    return module
