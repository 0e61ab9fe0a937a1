"""The endpoint as an ASGI app mounted at "/" beside another application on one port,
as ``orderflow up`` serves it next to the order API."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from orderflow.entrypoints.aws_api import build_aws_app
from orderflow.eventbus.engine import Engine
from tests.support.tools import local_client


@pytest.fixture
def shared_port_url(engine: Engine) -> Iterator[str]:
    api = FastAPI()

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    aws = build_aws_app(engine)
    api.mount("/", aws)
    server = uvicorn.Server(
        uvicorn.Config(api, host="127.0.0.1", port=0, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    aws.close()


def test_sdks_and_the_other_app_share_the_port(shared_port_url: str) -> None:
    assert httpx.get(shared_port_url + "/health").json() == {"status": "ok"}
    sqs = local_client("sqs", shared_port_url)
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="through the mount")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "through the mount"
    query = httpx.post(shared_port_url + "/000000000000/orders", data={"Action": "PurgeQueue"})
    assert query.status_code == 200, query.text
