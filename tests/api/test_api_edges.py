"""What every endpoint shares: body limit, storage failures, unexpected errors, health, docs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from orderflow.entrypoints.api import MAX_BODY_BYTES, build_api
from tests.api.support import TestClient, order_body
from tests.services.harness import Harness

LIMIT_MESSAGE = {"detail": f"The request body is larger than {MAX_BODY_BYTES} bytes."}


def padded_order(size: int) -> bytes:
    """A valid order body of exactly ``size`` bytes (padded with spaces, which JSON allows)."""
    body = json.dumps(order_body()).encode()
    return body + b" " * (size - len(body))


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_a_body_at_the_limit_is_accepted(client: TestClient) -> None:
    response = client.post(
        "/orders",
        content=padded_order(MAX_BODY_BYTES),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201


def test_a_declared_length_over_the_limit_is_a_413(client: TestClient) -> None:
    response = client.post(
        "/orders",
        content=padded_order(MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == LIMIT_MESSAGE
    assert client.get("/orders").json() == {"orders": []}


def test_a_chunked_body_over_the_limit_is_a_413(client: TestClient) -> None:
    body = padded_order(MAX_BODY_BYTES + 1)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    response = client.put(
        "/inventory/KB-001", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == LIMIT_MESSAGE


def test_a_chunked_body_under_the_limit_reaches_the_route(client: TestClient) -> None:
    body = padded_order(10_000)
    response = client.post(
        "/orders",
        content=iter([body[:5000], body[5000:]]),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201


def test_the_limit_leaves_an_app_mounted_beside_the_api_alone(harness: Harness) -> None:
    """The lead mounts the AWS-protocol endpoint at "/": its bodies may be larger."""
    app = build_api(harness.system)

    async def echo_size(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    beside = FastAPI()
    beside.add_api_route("/", echo_size, methods=["POST"])
    app.mount("/", beside)
    with TestClient(app) as client:
        response = client.post("/", content=b"x" * (MAX_BODY_BYTES * 2))
        assert (response.status_code, response.text) == (200, str(MAX_BODY_BYTES * 2))
        assert client.get("/health").json() == {"status": "ok"}


def test_a_database_failure_is_a_503_with_its_message(harness: Harness) -> None:
    with TestClient(build_api(harness.system)) as client:
        harness.system.close()
        for response in (client.get("/orders"), client.post("/orders", json=order_body())):
            assert response.status_code == 503
            assert response.json() == {
                "detail": "The database is unavailable: "
                "This MemoryStore is closed; create a new one."
            }
            assert response.headers["Retry-After"] == "1"


def test_an_unexpected_error_is_a_json_500_without_internals_and_is_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_api(harness.system)

    def broken() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/orders-broken", broken)
    with (
        TestClient(app, raise_server_exceptions=False) as client,
        caplog.at_level(logging.ERROR, logger="orderflow.entrypoints.api"),
    ):
        response = client.get("/orders-broken")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal error: it was logged; retry, or report it if it persists."
    }
    assert "secret" not in response.text
    logged = [r for r in caplog.records if r.name == "orderflow.entrypoints.api.errors"]
    assert [r.getMessage() for r in logged] == ["Unexpected error on GET /orders-broken"]
    assert logged[0].exc_info is not None


def test_an_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_the_docs_describe_every_endpoint_with_a_summary_and_examples(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    operations = {
        (method.upper(), path): operation
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == {
        ("POST", "/orders"),
        ("GET", "/orders"),
        ("GET", "/orders/{order_id}"),
        ("PATCH", "/orders/{order_id}"),
        ("POST", "/orders/{order_id}/cancel"),
        ("GET", "/inventory"),
        ("PUT", "/inventory/{sku}"),
        ("GET", "/health"),
    }
    assert all(operation.get("summary") for operation in operations.values())
    place = operations[("POST", "/orders")]
    assert set(place["responses"]) == {"201", "409", "413", "415", "422"}
    assert "minimal" in place["requestBody"]["content"]["application/json"]["examples"]
    assert set(operations[("POST", "/orders/{order_id}/cancel")]["responses"]) >= {"404", "409"}


BODY_OPERATIONS = [("post", "/orders"), ("patch", "/orders/o-1"), ("put", "/inventory/KB-001")]
UNREADABLE = [
    (b'{"customer_id": "\xff"}', "byte 0xff at 17 is not UTF-8"),
    (b'{"items": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", "it nests arrays or objects too deeply"),
]


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
@pytest.mark.parametrize(("body", "reason"), UNREADABLE, ids=["not-utf8", "too-deep"])
def test_a_body_that_cannot_be_read_is_a_422_as_malformed_json_is(
    client: TestClient, method: str, path: str, body: bytes, reason: str
) -> None:
    """FastAPI answers these 400 "There was an error parsing the body"; the README and the
    OpenAPI promise a 422 listing the problem, as for any malformed JSON."""
    response = client.request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (
        422,
        {
            "detail": [
                {
                    "type": "json_invalid",
                    "loc": ["body"],
                    "msg": f"The body is not valid JSON: {reason}.",
                    "ctx": {"error": reason},
                }
            ]
        },
    )


def test_every_operation_with_a_body_documents_the_422_and_no_400(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for method, path in BODY_OPERATIONS:
        template = path.replace("o-1", "{order_id}").replace("KB-001", "{sku}")
        responses = spec["paths"][template][method]["responses"]
        assert "422" in responses and "400" not in responses, (method, path)
