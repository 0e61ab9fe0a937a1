"""``orderflow events test-event-pattern`` run as a real subprocess, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EVENT = {
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "account": "123456789012",
    "source": "com.mycompany.orders",
    "time": "2026-11-21T12:00:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail-type": "OrderCreated",
    "detail": {"order": {"totalAmount": 120.5, "currency": "USD"}},
}


def orderflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderflow", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_matching_event_prints_result_true_like_the_aws_cli() -> None:
    pattern = '{"detail": {"order": {"totalAmount": [{"numeric": [">", 100]}]}}}'
    done = orderflow(
        "events", "test-event-pattern", "--event-pattern", pattern, "--event", json.dumps(EVENT)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == '{\n    "Result": true\n}\n'


def test_a_non_matching_event_prints_result_false() -> None:
    pattern = '{"detail": {"order": {"currency": ["EUR"]}}}'
    done = orderflow(
        "events", "test-event-pattern", "--event-pattern", pattern, "--event", json.dumps(EVENT)
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"Result": False}


def test_file_arguments_are_read_like_the_aws_cli(tmp_path: Path) -> None:
    pattern_file = tmp_path / "pattern.json"
    pattern_file.write_text('{"source": [{"prefix": "com.mycompany."}]}', encoding="utf-8")
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(EVENT), encoding="utf-8")
    done = orderflow(
        "events",
        "test-event-pattern",
        "--event-pattern",
        f"file://{pattern_file}",
        "--event",
        f"file://{event_file}",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"Result": True}


def test_a_missing_file_is_a_parameter_error(tmp_path: Path) -> None:
    done = orderflow(
        "events",
        "test-event-pattern",
        "--event-pattern",
        f"file://{tmp_path}/nope.json",
        "--event",
        "{}",
    )
    assert done.returncode == 252
    assert "Error parsing parameter '--event-pattern': Unable to load paramfile" in done.stderr
    assert done.stdout == ""


def test_an_invalid_pattern_prints_aws_error_and_exits_254() -> None:
    done = orderflow(
        "events",
        "test-event-pattern",
        "--event-pattern",
        '{"source": [{"EXISTS": true}]}',
        "--event",
        json.dumps(EVENT),
    )
    assert done.returncode == 254
    assert done.stdout == ""
    assert (
        "An error occurred (InvalidEventPatternException) when calling the TestEventPattern "
        "operation: Event pattern is not valid. Reason: Unrecognized match type EXISTS"
    ) in done.stderr
    assert "Traceback" not in done.stderr


def test_an_event_without_the_envelope_is_refused() -> None:
    done = orderflow(
        "events", "test-event-pattern", "--event-pattern", '{"a": ["b"]}', "--event", '{"a": "b"}'
    )
    assert done.returncode == 254
    assert (
        "An error occurred (ValidationException) when calling the TestEventPattern operation: "
        "Parameter Event is not valid."
    ) in done.stderr


def test_help_reads_well() -> None:
    done = orderflow("--help")
    assert done.returncode == 0
    assert "EventBridge" in done.stdout
    assert "events" in done.stdout
    events_help = orderflow("events", "test-event-pattern", "--help")
    assert "--event-pattern" in events_help.stdout
    assert "file://" in events_help.stdout
