"""API keys on the order API, over real HTTP on loopback: no key or an unknown one is a
401 with a challenge, a key without the scope a 403, each in the API's error shape, and
nothing of a refused request is applied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orderflow.bootstrap.system import System, install, open_system
from orderflow.entrypoints.api import build_api, close_api
from orderflow.entrypoints.api.queries import recent_orders
from orderflow.entrypoints.api_keys import ApiKeyError, ApiKeys, Scope, parse_key, parse_keys
from tests.api.serving import served
from tests.api.support import order_body

WRITER = "writer-secret-0123456789"
READER = "reader-secret-0123456789"


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    system = open_system(tmp_path / "o.db")
    install(system)
    yield system
    system.close()


@pytest.fixture
def http(system: System) -> Iterator[httpx.Client]:
    keys = ApiKeys(parse_keys([f"shop:{WRITER}:read,write", f"dashboard:{READER}:read"]))
    app = build_api(system, keys=keys)
    try:
        with served(app) as client:
            yield client
    finally:
        close_api(app)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def orders(system: System) -> int:
    return len(recent_orders(system, None, 1000))


def test_no_key_is_401_with_a_challenge_and_places_nothing(
    http: httpx.Client, system: System
) -> None:
    refused = http.post("/orders", json=order_body())
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="orderflow"'
    assert refused.json() == {
        "detail": "An API key is required: send Authorization: Bearer KEY or X-Api-Key: KEY."
    }
    assert http.get("/orders").status_code == 401
    assert http.get("/inventory").status_code == 401
    assert orders(system) == 0


def test_a_wrong_key_is_401_and_places_nothing(http: httpx.Client, system: System) -> None:
    for headers in (bearer("guess-guess-guess-guess"), {"X-Api-Key": WRITER + "x"}):
        refused = http.post("/orders", json=order_body(), headers=headers)
        assert refused.status_code == 401
        assert refused.json() == {"detail": "The API key is not valid."}
        assert "www-authenticate" in refused.headers
    assert orders(system) == 0


def test_a_read_key_may_read_but_not_write(http: httpx.Client, system: System) -> None:
    assert http.get("/orders", headers=bearer(READER)).status_code == 200
    refused = http.post("/orders", json=order_body(), headers=bearer(READER))
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("The API key 'dashboard' may not write")
    assert orders(system) == 0


def test_a_write_key_places_and_changes_orders(http: httpx.Client, system: System) -> None:
    placed = http.post("/orders", json=order_body(), headers=bearer(WRITER))
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["orderId"]
    by_header = http.get(f"/orders/{order_id}", headers={"X-Api-Key": READER})
    assert by_header.status_code == 200
    cancel = http.post(f"/orders/{order_id}/cancel", headers=bearer(READER))
    assert cancel.status_code == 403
    assert http.get(f"/orders/{order_id}", headers=bearer(WRITER)).json()["status"] == "CREATED"
    assert orders(system) == 1


def test_health_and_docs_stay_open(http: httpx.Client) -> None:
    assert http.get("/health").status_code == 200
    assert http.get("/openapi.json").status_code == 200


def test_keys_are_read_with_clear_errors() -> None:
    assert parse_key(f"ci:{WRITER}").scopes == {Scope.READ, Scope.WRITE}
    assert parse_key(f"ci:{WRITER}:read").scopes == {Scope.READ}
    with pytest.raises(ApiKeyError, match="NAME:SECRET"):
        parse_key("just-a-secret")
    with pytest.raises(ApiKeyError, match="at least 16"):
        parse_key("ci:short")
    with pytest.raises(ApiKeyError, match="unknown scopes admin"):
        parse_key(f"ci:{WRITER}:read,admin")
    with pytest.raises(ApiKeyError, match="Two API keys are named ci"):
        parse_keys([f"ci:{WRITER}", f"ci:{READER}"])
