"""The contract suite runs once per adapter of the storage port.

"memory" is ``orderflow.adapters.memory.MemoryStore``; "sqlite" is
``orderflow.adapters.sqlite.SqliteStore`` on a real file.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orderflow.adapters.memory import MemoryStore
from orderflow.adapters.sqlite import SqliteStore
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.ports import EngineStore
from orderflow.eventbus.queues import Queues


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EngineStore]:
    made: EngineStore = (
        MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "orderflow.db")
    )
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


@pytest.fixture
def engine(store: EngineStore, clock: ManualClock, new_id: Callable[[], str]) -> Engine:
    return Engine(store, clock, new_id=new_id)
