"""The 168 cases derived from AWS's own matcher (aws/event-ruler); see data/NOTICE.

Match cases run through ``RuleIndex``; error cases must raise
``InvalidEventPatternException`` whose reason's first line is event-ruler's message,
except where AWS words it differently (AWS's wording wins).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orderflow.eventbus import InvalidEventPatternException, RuleIndex

CASES_FILE = Path(__file__).parent / "data" / "eventruler_cases.jsonl"
CASES: list[dict[str, Any]] = [
    json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line
]

# Where EventBridge's wording differs from event-ruler's (SEMANTICS.md): AWS wins.
AWS_WORDING = {"anything-but/ignore-case": "anything-but/equals-ignore-case"}


def _pattern_text(case: dict[str, Any]) -> str:
    text = case.get("pattern_json")
    return text if isinstance(text, str) else json.dumps(case["pattern"])


def _aws_reason(message: str) -> str:
    first_line = message.splitlines()[0]
    for theirs, ours in AWS_WORDING.items():
        first_line = first_line.replace(theirs, ours)
    return first_line


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


MATCH_CASES = [case for case in CASES if "match" in case]
ERROR_CASES = [case for case in CASES if "error" in case]
VALID_CASES = [case for case in CASES if "valid" in case]


def test_the_data_is_complete() -> None:
    assert len(CASES) == 168
    assert (len(MATCH_CASES), len(ERROR_CASES), len(VALID_CASES)) == (63, 74, 31)
    assert sum(1 for case in MATCH_CASES if case.get("array_consistency_case")) == 10


@pytest.mark.parametrize("case", MATCH_CASES, ids=_ids(MATCH_CASES))
def test_match_cases(case: dict[str, Any]) -> None:
    index = RuleIndex()
    index.add("rule", _pattern_text(case))
    event = case.get("event_json") or json.dumps(case["event"])
    assert (index.match(event) == {"rule"}) is case["match"]


@pytest.mark.parametrize("case", ERROR_CASES, ids=_ids(ERROR_CASES))
def test_error_cases(case: dict[str, Any]) -> None:
    assert case["error"] == "InvalidEventPatternException"
    with pytest.raises(InvalidEventPatternException) as caught:
        RuleIndex().add("rule", _pattern_text(case))
    message = str(caught.value)
    assert message.startswith("Event pattern is not valid. Reason: ")
    reason = message.removeprefix("Event pattern is not valid. Reason: ")
    assert reason.splitlines()[0] == _aws_reason(case["error_message"])


@pytest.mark.parametrize("case", VALID_CASES, ids=_ids(VALID_CASES))
def test_valid_cases(case: dict[str, Any]) -> None:
    index = RuleIndex()
    index.add("rule", _pattern_text(case))
    assert "rule" in index
