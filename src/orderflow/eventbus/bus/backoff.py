"""Retry delays: exponential backoff with full jitter, as a pure function.

Delay before retry ``n`` (1-based) is uniform in ``[0, min(cap, base * 2**(n-1))]``
with a floor, so retries spread out instead of arriving in lockstep. The random
source is passed in: tests use a seeded ``random.Random``.
"""

from __future__ import annotations

import random
from typing import Final

BASE_MS: Final = 1_000
CAP_MS: Final = 300_000
FLOOR_MS: Final = 100


def retry_delay_ms(
    attempt: int, rng: random.Random, *, base_ms: int = BASE_MS, cap_ms: int = CAP_MS
) -> int:
    """How long to wait before retry number ``attempt`` (1 for the first retry)."""
    ceiling = min(cap_ms, base_ms * 2 ** min(attempt - 1, 30))
    return max(FLOOR_MS, int(rng.uniform(0, ceiling)))
