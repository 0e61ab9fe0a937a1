"""A transaction the store gave up for a concurrent one is run again, a few times."""

from __future__ import annotations

import pytest

from orderflow.eventbus.errors import StoreError, TransactionConflict
from orderflow.runtime.conflicts import again_on_conflict


def test_a_conflict_is_run_again_until_it_succeeds() -> None:
    tries: list[int] = []
    pauses: list[float] = []

    def run() -> str:
        tries.append(len(tries))
        if len(tries) < 3:
            raise TransactionConflict("deadlock detected")
        return "done"

    assert again_on_conflict(run, sleep=pauses.append) == "done"
    assert len(tries) == 3
    assert len(pauses) == 2 and all(p >= 0 for p in pauses)


def test_a_conflict_that_persists_is_raised_after_the_last_attempt() -> None:
    tries: list[int] = []

    def run() -> None:
        tries.append(1)
        raise TransactionConflict("could not serialize access")

    with pytest.raises(TransactionConflict):
        again_on_conflict(run, sleep=lambda _: None, attempts=4)
    assert len(tries) == 4


def test_another_store_error_is_not_run_again() -> None:
    tries: list[int] = []

    def run() -> None:
        tries.append(1)
        raise StoreError("the disk is full")

    with pytest.raises(StoreError, match="disk"):
        again_on_conflict(run, sleep=lambda _: None)
    assert tries == [1]
