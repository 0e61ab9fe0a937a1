"""The contract suite runs once per adapter of the storage port.

"memory" is ``orderflow.adapters.memory.MemoryStore``; "sqlite" is
``orderflow.adapters.sqlite.SqliteStore`` on a real file; "postgresql" is
``orderflow.adapters.postgres.PostgresStore`` on a clean database of a real server
(``tests.support.postgres``: skipped when none is reachable).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orderflow.adapters.memory import MemoryStore
from orderflow.adapters.postgres import PostgresStore
from orderflow.adapters.sqlite import SqliteStore
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.ports import EngineStore
from orderflow.eventbus.queues import Queues

POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.postgres)


@pytest.fixture(params=["memory", "sqlite", POSTGRESQL])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EngineStore]:
    made: EngineStore
    if request.param == "memory":
        made = MemoryStore()
    elif request.param == "sqlite":
        made = SqliteStore(tmp_path / "orderflow.db")
    else:
        made = PostgresStore(request.getfixturevalue("postgres_url"))
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
