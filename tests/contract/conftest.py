"""The contract suite runs once per adapter of the storage port.

"memory" is ``orderflow.adapters.memory.MemoryStore``; "sqlite" is
``orderflow.adapters.sqlite.SqliteStore`` on a real file, skipped only while
that package cannot be imported.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orderflow.adapters.memory import MemoryStore
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.ports import EngineStore
from orderflow.eventbus.queues import Queues


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EngineStore]:
    made: EngineStore
    if request.param == "memory":
        made = MemoryStore()
    else:
        sqlite = pytest.importorskip("orderflow.adapters.sqlite", exc_type=ImportError)
        made = sqlite.SqliteStore(tmp_path / "orderflow.db")
    yield made
    made.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def new_id() -> Callable[[], str]:
    """Deterministic ids: 00000000-0000-0000-0000-000000000001, ...2, ..."""
    counter = itertools.count(1)
    return lambda: str(uuid.UUID(int=next(counter)))


@pytest.fixture
def queues(store: EngineStore, clock: ManualClock, new_id: Callable[[], str]) -> Queues:
    return Queues(store, clock, new_id=new_id)
