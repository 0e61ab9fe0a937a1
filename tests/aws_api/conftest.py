"""A real endpoint on loopback for each test, over a fresh database, and real clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from orderflow.bootstrap import open_engine
from orderflow.entrypoints.aws_api import AwsApiSettings, RunningServer, serve_in_thread
from orderflow.eventbus.engine import Engine

REGION = "eu-west-1"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    opened = open_engine(tmp_path / "orderflow.db")
    yield opened
    opened.store.close()


@pytest.fixture
def server(engine: Engine) -> Iterator[RunningServer]:
    with serve_in_thread(engine) as running:
        yield running


@pytest.fixture
def secured_server(engine: Engine) -> Iterator[RunningServer]:
    settings = AwsApiSettings(credentials={"AKIDORDERFLOW": "s3cr3t"})
    with serve_in_thread(engine, settings=settings) as running:
        yield running


ClientFactory = Callable[..., Any]


@pytest.fixture
def client(server: RunningServer) -> ClientFactory:
    """``client("sqs")``: a boto3 client of the endpoint, with dummy credentials."""

    def make(service: str, **overrides: Any) -> Any:
        settings: dict[str, Any] = {
            "endpoint_url": server.url,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        settings.update(overrides)
        return boto3.client(service, **settings)

    return make


@pytest.fixture
def events(client: ClientFactory) -> Any:
    return client("events")


@pytest.fixture
def sqs(client: ClientFactory) -> Any:
    return client("sqs")
