"""docs/aws-compatibility.md tells the truth: one row per operation of botocore's SQS and
EventBridge models; what it says is not served, the endpoint refuses as unknown; what it
says is served, the endpoint serves and the tests it names exist and call it."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

import boto3
import httpx
import pytest
from botocore import xform_name

from orderflow.entrypoints.aws_api import RunningServer
from orderflow.entrypoints.aws_api.eventbridge import OPERATIONS as EVENTS_OPERATIONS
from orderflow.entrypoints.aws_api.sqs import OPERATIONS as SQS_OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "aws-compatibility.md"
TESTS = Path(__file__).resolve().parent
SERVICES = {"SQS": "sqs", "EventBridge": "events"}
SERVED = {"sqs": SQS_OPERATIONS, "events": EVENTS_OPERATIONS}
TARGETS = {"sqs": ("AmazonSQS", "1.0"), "events": ("AWSEvents", "1.1")}
STATUSES = {"supported", "partly", "not"}


class Row(NamedTuple):
    service: str
    operation: str
    status: str
    differs: str
    tests: list[str]


@cache
def rows() -> list[Row]:
    found: list[Row] = []
    service: str | None = None
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+)$", line)
        if heading:
            service = SERVICES.get(heading[1])
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if service is None or len(cells) != 4 or cells[0] in ("Operation", "---"):
            continue
        tests = [name.strip() for name in cells[3].split(",") if name.strip()]
        found.append(Row(service, cells[0], cells[1], cells[2], tests))
    return found


@cache
def sources_of_tests() -> dict[str, str]:
    """``file.py::test_name`` -> the test function's source, for every test here."""
    sources: dict[str, str] = {}
    for path in TESTS.glob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                sources[f"{path.name}::{node.name}"] = ast.get_source_segment(text, node) or ""
    return sources


def calls(source: str, operation: str) -> bool:
    """Whether a test's source calls ``operation``: a boto3 method (called or passed on),
    or its name on the wire."""
    return bool(
        re.search(rf"\.{xform_name(operation)}\b", source)
        or re.search(rf"[\"'.]{operation}[\"']", source)
    )


@pytest.mark.parametrize("service", ["sqs", "events"])
def test_every_operation_of_the_service_has_one_row(service: str) -> None:
    model = boto3.session.Session()._session.get_service_model(service)
    listed = [row.operation for row in rows() if row.service == service]
    assert sorted(listed) == sorted(model.operation_names)
    assert {row.status for row in rows()} <= STATUSES


def test_served_operations_name_tests_that_call_them() -> None:
    for row in rows():
        served = row.operation in SERVED[row.service]
        assert served == (row.status != "not"), row
        if row.status == "not":
            assert not row.tests, row
            continue
        assert row.tests, row
        assert row.status == "supported" or row.differs, row  # partly says how
        for name in row.tests:
            assert name in sources_of_tests(), f"{row.operation}: no test {name}"
            assert calls(sources_of_tests()[name], row.operation), f"{name} never calls {row}"


def test_operations_said_not_served_are_refused_as_unknown(server: RunningServer) -> None:
    for row in rows():
        if row.status != "not":
            continue
        prefix, version = TARGETS[row.service]
        response = httpx.post(
            server.url + "/",
            content=b"{}",
            headers={
                "content-type": f"application/x-amz-json-{version}",
                "x-amz-target": f"{prefix}.{row.operation}",
            },
        )
        assert response.status_code == 400, row
        assert "UnknownOperationException" in response.text, row
