"""Bodies must be JSON: a body sent as a form or as text is refused with 415, not guessed at.

FastAPI parses a body as JSON only when its Content-Type says so, and would otherwise
report the raw bytes as "not an object"; naming the media type is the clearer answer.
An empty body has no media type to check (``POST /orders/{id}/cancel`` takes none).
"""

from __future__ import annotations

import email.message

from fastapi import HTTPException, Request


def is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def require_json(request: Request) -> None:
    """A dependency of the routes that take a body."""
    if not await request.body():
        return
    content_type = request.headers.get("content-type", "")
    if not is_json(content_type):
        raise HTTPException(
            status_code=415,
            detail=(
                f"Unsupported media type {content_type or '(none)'!r}: "
                "send the body as JSON with Content-Type: application/json."
            ),
        )
