"""The built-in services' topology: every consumer's queue, DLQ and rule, on the
``orders`` bus, and a rule on the ``default`` bus forwarding the Node.js tutorial's events
(which it puts on the default bus) to ``orders`` — what ``builtin_app()`` declares.

``SUBSCRIPTIONS`` is the table of the built-in consumers; ``topology_document()`` renders
them in the format of ``orderflow apply`` (the same file a team would keep in its
repository), so the embedded engine, and later AWS, get it from one place.
"""

from __future__ import annotations

from typing import Any, Final

from orderflow.app import Consumer, QueueSettings
from orderflow.services.builtin import ARCHIVE, TUTORIAL_FORWARD, builtin_app

__all__ = [
    "ARCHIVE",
    "DLQ_RETENTION_S",
    "MAX_RECEIVE_COUNT",
    "SUBSCRIPTIONS",
    "TUTORIAL_FORWARD",
    "VISIBILITY_TIMEOUT_S",
    "topology_document",
]

SUBSCRIPTIONS: Final[dict[str, Consumer]] = dict(builtin_app().consumers)
MAX_RECEIVE_COUNT: Final = QueueSettings().max_receive_count
VISIBILITY_TIMEOUT_S: Final = QueueSettings().visibility_timeout_s
DLQ_RETENTION_S: Final = QueueSettings().dlq_retention_s


def topology_document() -> dict[str, Any]:
    """The built-in services' topology as ``orderflow apply`` reads it."""
    return builtin_app().topology_document()
