"""The order API and the AWS endpoint on one port, as ``orderflow api`` serves them: the
endpoint answers the paths AWS's SDKs send to, and a mistyped API path is the API's
JSON 404, not the query protocol's InvalidAction in XML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orderflow.bootstrap.system import System, install, open_system
from orderflow.entrypoints.api import build_api, close_api
from orderflow.entrypoints.api.aws_beside import mount_aws_beside
from orderflow.entrypoints.aws_api import build_aws_app
from orderflow.services.topology import SUBSCRIPTIONS

SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    system: System = open_system(tmp_path / "o.db")
    install(system)
    app = build_api(system)
    assert system.embedded is not None
    endpoint = build_aws_app(system.embedded)
    mount_aws_beside(app, endpoint)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        close_api(app)
        endpoint.close()
        system.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/order/o-1"), ("POST", "/order"), ("GET", "/ordres"), ("GET", "/a/b/c")],
)
def test_a_path_neither_api_has_is_the_apis_404(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_the_aws_paths_still_reach_the_endpoint(client: TestClient) -> None:
    listed = client.post(
        "/",
        headers={
            **SIGNED,
            "X-Amz-Target": "AmazonSQS.ListQueues",
            "Content-Type": "application/x-amz-json-1.0",
        },
        content="{}",
    )
    assert listed.status_code == 200, listed.text
    queue = SUBSCRIPTIONS["inventory"].queue
    url = next(u for u in listed.json()["QueueUrls"] if u.endswith("/" + queue))
    path = "/" + url.split("/", 3)[3]  # /ACCOUNT/QUEUE: the query protocol's queue path
    attributes = client.post(
        path,
        headers={**SIGNED, "Content-Type": "application/x-www-form-urlencoded"},
        content="Action=GetQueueAttributes&AttributeName.1=All&Version=2012-11-05",
    )
    assert attributes.status_code == 200, attributes.text
    assert "<GetQueueAttributesResult>" in attributes.text
    unknown = client.post(
        "/",
        headers={**SIGNED, "Content-Type": "application/x-www-form-urlencoded"},
        content="Action=NoSuchAction&Version=2012-11-05",
    )
    assert unknown.status_code == 400 and "InvalidAction" in unknown.text  # AWS's, at "/"
