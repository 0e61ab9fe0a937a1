"""``GET /health``: the process answers (for load balancers and ``orderflow up``)."""

from __future__ import annotations

from fastapi import APIRouter


def health_routes() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", summary="Is the API up?")
    def health() -> dict[str, str]:
        """Always ``{"status": "ok"}`` while the process serves requests (it reads nothing)."""
        return {"status": "ok"}

    return router
