"""The default id factory: version 7 UUIDs, time-ordered, unique, fresh in forked children."""

from __future__ import annotations

import os
import time
import uuid
import warnings

from orderflow.eventbus import ids
from orderflow.eventbus.ids import new_uuid


def test_ids_are_version_7_uuids_in_canonical_form() -> None:
    for _ in range(200):
        text = new_uuid()
        parsed = uuid.UUID(text)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_ids_carry_the_millisecond_they_are_made_in_not_the_one_of_their_batch() -> None:
    new_uuid()  # the batch is drawn now; the next id is made later
    time.sleep(0.01)
    before = time.time_ns() // 1_000_000
    stamp = int(new_uuid().replace("-", "")[:12], 16)
    after = time.time_ns() // 1_000_000
    assert before <= stamp <= after


def test_ids_made_later_sort_after_earlier_ones() -> None:
    first = new_uuid()
    time.sleep(0.002)
    assert new_uuid() > first


def test_ids_are_unique_across_many_batches() -> None:
    drawn = [new_uuid() for _ in range(20_000)]
    assert len(set(drawn)) == len(drawn)


def test_a_forked_child_draws_ids_of_its_own() -> None:
    new_uuid()  # the parent's pool now holds ready tails
    reader, writer = os.pipe()
    with warnings.catch_warnings():  # Python 3.12+ warns of a fork beside other threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report its next id and leave at once
        os.write(writer, new_uuid().encode())
        os._exit(0)
    os.close(writer)
    child_id = os.read(reader, 64).decode()
    os.close(reader)
    os.waitpid(pid, 0)
    assert child_id not in ids._tails
    assert child_id != new_uuid()
