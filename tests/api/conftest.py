"""The API over the whole system in memory: a TestClient, and the harness to drive the services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orderflow.entrypoints.api import build_api, close_api
from tests.api.support import TestClient
from tests.services.harness import Harness, make_harness


@pytest.fixture
def harness() -> Harness:
    return make_harness()


@pytest.fixture
def client(harness: Harness) -> Iterator[TestClient]:
    app = build_api(harness.system)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        close_api(app)
