"""The AWS CLI (awscli from PyPI), unmodified, driving an order scenario end to end
against the endpoint: only the endpoint URL changes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orderflow.entrypoints.aws_api import RunningServer

AWS = Path(sys.executable).parent / "aws"


@pytest.fixture
def aws_env(tmp_path: Path) -> dict[str, str]:
    """Dummy credentials, and no configuration from the machine running the tests."""
    if not AWS.exists() and shutil.which("aws") is None:
        pytest.fail("the AWS CLI is not installed: run `make` (it is in the dev extra)")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        AWS_PAGER="",
    )
    return env


def aws(env: dict[str, str], *args: str, endpoint: str | None = None) -> Any:
    command = [str(AWS) if AWS.exists() else "aws", "--output", "json"]
    if endpoint is not None:
        command += ["--endpoint-url", endpoint]
    done = subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_an_order_scenario_through_the_aws_cli(
    server: RunningServer, aws_env: dict[str, str]
) -> None:
    url = aws(aws_env, "sqs", "create-queue", "--queue-name", "orders", endpoint=server.url)[
        "QueueUrl"
    ]
    arn = aws(
        aws_env,
        "sqs",
        "get-queue-attributes",
        "--queue-url",
        url,
        "--attribute-names",
        "QueueArn",
        endpoint=server.url,
    )["Attributes"]["QueueArn"]
    # EventBridge commands take the endpoint from the environment. (awscli v1 pins SQS's
    # endpoint to queue.amazonaws.com unless --endpoint-url is given: a client quirk.)
    events_env = {**aws_env, "AWS_ENDPOINT_URL": server.url}
    aws(
        events_env,
        "events",
        "put-rule",
        "--name",
        "created",
        "--event-pattern",
        json.dumps({"source": ["com.example.orders"], "detail-type": ["OrderCreated"]}),
    )
    aws(events_env, "events", "put-targets", "--rule", "created", "--targets", f"Id=q,Arn={arn}")
    entry = {
        "Source": "com.example.orders",
        "DetailType": "OrderCreated",
        "Detail": json.dumps({"orderId": "o-42", "total": 30}),
    }
    put = aws(events_env, "events", "put-events", "--entries", json.dumps([entry]))
    assert put["FailedEntryCount"] == 0
    received = aws(
        aws_env,
        "sqs",
        "receive-message",
        "--queue-url",
        url,
        "--wait-time-seconds",
        "2",
        "--attribute-names",
        "All",
        endpoint=server.url,
    )
    message = received["Messages"][0]
    assert json.loads(message["Body"])["detail"]["orderId"] == "o-42"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    aws(
        aws_env,
        "sqs",
        "delete-message",
        "--queue-url",
        url,
        "--receipt-handle",
        message["ReceiptHandle"],
        endpoint=server.url,
    )
    attributes = aws(
        aws_env,
        "sqs",
        "get-queue-attributes",
        "--queue-url",
        url,
        "--attribute-names",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        endpoint=server.url,
    )["Attributes"]
    assert attributes == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


def test_the_aws_cli_reports_service_errors(server: RunningServer, aws_env: dict[str, str]) -> None:
    command = [str(AWS), "--endpoint-url", server.url, "events", "describe-rule", "--name", "x"]
    done = subprocess.run(
        command, env=aws_env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 255  # awscli v1: 255 for a service error (v2: 254)
    assert "(ResourceNotFoundException) when calling the DescribeRule operation" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["sqs", "receive-message", "--queue-url", "{url}nope"],
        ["sqs", "receive-message", "--queue-url", "{url}orders", "--max-number-of-messages", "11"],
        ["sqs", "get-queue-url", "--queue-name", "nope"],
        [
            "sqs",
            "change-message-visibility",
            "--queue-url",
            "{url}orders",
            "--receipt-handle",
            "bogus",
            "--visibility-timeout",
            "5",
        ],
        ["events", "describe-rule", "--name", "nope"],
    ],
)
def test_orderflow_cli_reports_an_error_as_the_aws_cli_does(
    server: RunningServer, aws_env: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    """The same command, through the AWS CLI against the endpoint and through orderflow's
    own CLI on a database file: the same error code and message (SQS's query-compatible
    codes included: ``AWS.SimpleQueueService.NonExistentQueue``)."""
    theirs_url = aws(aws_env, "sqs", "create-queue", "--queue-name", "orders", endpoint=server.url)[
        "QueueUrl"
    ].removesuffix("orders")
    theirs = subprocess.run(
        [str(AWS), "--endpoint-url", server.url, *(a.format(url=theirs_url) for a in args)],
        env=aws_env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    db = ["--db", str(tmp_path / "o.db")]
    ours_env = {**os.environ, "COLUMNS": "200"}
    created = subprocess.run(
        [sys.executable, "-m", "orderflow", *db, "sqs", "create-queue", "--queue-name", "orders"],
        env=ours_env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    ours_url = json.loads(created.stdout)["QueueUrl"].removesuffix("orders")
    ours = subprocess.run(
        [sys.executable, "-m", "orderflow", *db, *(a.format(url=ours_url) for a in args)],
        env=ours_env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert "An error occurred (" in theirs.stderr, theirs.stderr
    assert ours.stderr.strip() == theirs.stderr.strip()
    assert (theirs.returncode, ours.returncode) == (255, 254)  # awscli v1, as the CLI v2
