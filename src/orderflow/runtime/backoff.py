"""How long a failed message stays invisible before its next attempt."""

from __future__ import annotations

from typing import Final

MAX_BACKOFF_S: Final = 300


def retry_visibility_s(receive_count: int, base_s: int = 1) -> int:
    """Seconds before the next attempt after the ``receive_count``-th one failed: ``base_s``,
    doubled at each attempt, at most 5 minutes (SQS visibility is whole seconds)."""
    exponent: int = min(max(receive_count - 1, 0), 16)
    return min(MAX_BACKOFF_S, base_s * (1 << exponent))
