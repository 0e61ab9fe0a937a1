"""What ``orderflow prune`` lets go on the installed system: history past the age asked
for; processed marks only once no queue or archive could send their events again."""

from __future__ import annotations

from orderflow.bootstrap.system import System, install, memory_system
from orderflow.eventbus.clock import ManualClock
from orderflow.runtime.retention import DAY_MS, plan, prune

NOW_MS = 1_800_000_000_000


def installed() -> System:
    system = memory_system(ManualClock(NOW_MS))
    install(system)
    return system


def test_an_archive_that_keeps_events_forever_keeps_the_processed_marks() -> None:
    system = installed()  # the orders-archive keeps its events forever, as EventBridge's default
    retention = plan(system.engine, NOW_MS, 7 * DAY_MS)
    assert retention.history_before_ms == NOW_MS - 7 * DAY_MS
    assert retention.processed_before_ms is None
    assert "orders-archive keeps its events forever" in (retention.processed_kept or "")


def test_processed_marks_outlive_the_longest_queue_or_archive_retention() -> None:
    system = installed()
    system.engine.events.update_archive("orders-archive", retention_days=30)
    retention = plan(system.engine, NOW_MS, 7 * DAY_MS)
    assert retention.processed_before_ms == NOW_MS - 30 * DAY_MS
    assert "(30 days)" in (retention.processed_kept or "")
    system.engine.events.update_archive("orders-archive", retention_days=1)
    retention = plan(system.engine, NOW_MS, 7 * DAY_MS)  # the DLQs keep 14 days
    assert retention.processed_before_ms == NOW_MS - 14 * DAY_MS
    retention = plan(system.engine, NOW_MS, 20 * DAY_MS)  # older than any retention
    assert (retention.processed_before_ms, retention.processed_kept) == (
        NOW_MS - 20 * DAY_MS,
        None,
    )


def test_a_dry_run_counts_and_deletes_nothing() -> None:
    system = installed()
    with system.state.transaction() as state:
        state.claim("inventory", "e-old", NOW_MS - 40 * DAY_MS)
    system.engine.events.update_archive("orders-archive", retention_days=30)
    retention = plan(system.engine, NOW_MS, 7 * DAY_MS)
    assert prune(system.state, retention, dry_run=True)["processed"] == 1
    assert prune(system.state, retention, dry_run=True)["processed"] == 1
    assert prune(system.state, retention)["processed"] == 1
    assert prune(system.state, retention, dry_run=True)["processed"] == 0


def test_a_retention_given_to_the_archive_outlives_the_next_start() -> None:
    system = installed()
    system.engine.events.update_archive("orders-archive", retention_days=30)
    install(system)  # as every start of orderflow up does
    assert system.engine.events.describe_archive("orders-archive")["RetentionDays"] == 30
    assert plan(system.engine, NOW_MS, 7 * DAY_MS).processed_before_ms == NOW_MS - 30 * DAY_MS
