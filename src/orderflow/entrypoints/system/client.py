"""A small client of the order API (stdlib only), for the publisher, the demo and benchmarks."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from orderflow.errors import OrderflowError


class ApiError(OrderflowError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class OrderApi:
    base_url: str = "http://127.0.0.1:4010"
    timeout_s: float = 10.0

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                detail = json.loads(payload)
            except ValueError:
                detail = payload.decode(errors="replace")
            raise ApiError(exc.code, detail) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ApiError(0, f"cannot reach {self.base_url}: {exc}") from None

    def create_order(self, order: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", "/orders", order)
        return result

    def get_order(self, order_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", f"/orders/{order_id}")
        return result

    def update_order(self, order_id: str, change: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.call("PATCH", f"/orders/{order_id}", change)
        return result

    def cancel_order(self, order_id: str, reason: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", f"/orders/{order_id}/cancel", {"reason": reason})
        return result
