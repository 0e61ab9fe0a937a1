"""The ``orderflow`` CLI over the embedded engine, run as real subprocesses on a real
SQLite file, as a user runs it: ``aws events`` / ``aws sqs`` commands, the operator
views (``queues``, ``dlq show|redrive``) and the failures (exit 252, 254, 255).

By default the installed package runs; with ORDERFLOW_TEST_SOURCE=1 the
subprocesses import ``src/`` instead (to try edits without reinstalling).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orderflow.bootstrap import open_engine

SOURCE = Path(__file__).resolve().parents[2] / "src"
ACCOUNT = "000000000000"
URL = f"http://127.0.0.1:4010/{ACCOUNT}/"
SQS_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:"
EVENTS_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:"
PATTERN = '{"source": ["com.mycompany.orders"], "detail-type": ["OrderCreated"]}'
REDRIVE = json.dumps({"deadLetterTargetArn": f"{SQS_ARN}orders-dlq", "maxReceiveCount": "2"})
ORDER = {
    "Source": "com.mycompany.orders",
    "DetailType": "OrderCreated",
    "Detail": json.dumps({"order": {"orderId": "o-1", "totalAmount": 120.5}}),
}


def environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "ORDERFLOW_DB"}
    if os.environ.get("ORDERFLOW_TEST_SOURCE") == "1":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE), env.get("PYTHONPATH")]))
    env["COLUMNS"] = "200"  # rich tables wide enough to read
    env.update(extra)
    return env


@dataclass
class Cli:
    """``orderflow --db <file> ...`` as a subprocess."""

    db: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orderflow", "--db", str(self.db), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=env or environment(),
        )

    def ok(self, *args: str) -> Any:
        """Run a command that must succeed; its JSON output (None when it printed nothing)."""
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return json.loads(done.stdout) if done.stdout else None


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "orderflow.db")


def copy_database(template: Path, folder: Path) -> Cli:
    """A private copy of a prepared database (subprocesses are slow to start: each test
    builds on a shared starting point instead of repeating the same commands)."""
    copy = Cli(folder / template.name)
    for file in template.parent.glob(f"{template.name}*"):  # the -wal file too, if any
        shutil.copy(file, folder / file.name)
    return copy


@pytest.fixture(scope="module")
def topology_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = Cli(tmp_path_factory.mktemp("topology") / "orderflow.db")
    create_orders_topology(template)
    return template.db


@pytest.fixture(scope="module")
def dead_letter_template(tmp_path_factory: pytest.TempPathFactory, topology_template: Path) -> Path:
    template = copy_database(topology_template, tmp_path_factory.mktemp("dead-letter"))
    put_order(template)
    exhaust_into_dlq(template)
    return template.db


@pytest.fixture
def topology(topology_template: Path, tmp_path: Path) -> Cli:
    """A database with the orders topology (see ``create_orders_topology``)."""
    return copy_database(topology_template, tmp_path)


@pytest.fixture
def dead_letter(dead_letter_template: Path, tmp_path: Path) -> Cli:
    """The orders topology after one order failed twice: it waits in orders-dlq, and its
    delivery to the missing queue waits in events-dlq."""
    return copy_database(dead_letter_template, tmp_path)


def create_orders_topology(cli: Cli) -> None:
    """orders (redrive to orders-dlq after 2 receives, visibility 0 so it comes straight
    back), a rule for OrderCreated with two targets: orders, and a queue that does not
    exist whose failures go to events-dlq."""
    cli.ok("sqs", "create-queue", "--queue-name", "orders-dlq")
    cli.ok("sqs", "create-queue", "--queue-name", "events-dlq")
    cli.ok("sqs", "create-queue", "--queue-name", "orders", "--attributes", "VisibilityTimeout=0")
    cli.ok(
        "sqs", "set-queue-attributes", "--queue-url", f"{URL}orders",
        "--attributes", json.dumps({"RedrivePolicy": REDRIVE}),
    )  # fmt: skip
    cli.ok("events", "put-rule", "--name", "order-created", "--event-pattern", PATTERN)
    targets = [
        {"Id": "orders", "Arn": f"{SQS_ARN}orders"},
        {
            "Id": "missing",
            "Arn": f"{SQS_ARN}no-such-queue",
            "DeadLetterConfig": {"Arn": f"{SQS_ARN}events-dlq"},
        },
    ]
    put = cli.ok(
        "events", "put-targets", "--rule", "order-created", "--targets", json.dumps(targets)
    )
    assert put == {"FailedEntryCount": 0, "FailedEntries": []}


def put_order(cli: Cli) -> str:
    answer = cli.ok("events", "put-events", "--entries", json.dumps([ORDER]))
    assert answer["FailedEntryCount"] == 0
    [entry] = answer["Entries"]
    return str(entry["EventId"])


def receive(cli: Cli, queue: str, *extra: str) -> list[dict[str, Any]]:
    answer = cli.ok("sqs", "receive-message", "--queue-url", f"{URL}{queue}", *extra)
    return [] if answer is None else list(answer["Messages"])


def exhaust_into_dlq(cli: Cli) -> None:
    """Receive the order twice without deleting it; the third receive moves it to the DLQ."""
    assert len(receive(cli, "orders")) == 1
    assert len(receive(cli, "orders")) == 1
    assert receive(cli, "orders") == []


# -- AWS CLI commands ---------------------------------------------------------------


def test_an_event_flows_from_put_events_to_a_queue_and_is_deleted(topology: Cli) -> None:
    event_id = put_order(topology)

    [message] = receive(topology, "orders", "--attribute-names", "All")
    event = json.loads(message["Body"])
    assert event["id"] == event_id
    assert event["detail"] == {"order": {"orderId": "o-1", "totalAmount": 120.5}}
    assert message["MD5OfBody"] == hashlib.md5(message["Body"].encode()).hexdigest()
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert set(message) == {"MessageId", "ReceiptHandle", "MD5OfBody", "Body", "Attributes"}

    assert topology.ok(
        "sqs", "delete-message", "--queue-url", f"{URL}orders",
        "--receipt-handle", message["ReceiptHandle"],
    ) is None  # fmt: skip
    attributes = topology.ok(
        "sqs", "get-queue-attributes", "--queue-url", f"{URL}orders",
        "--attribute-names", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
    )  # fmt: skip
    assert attributes == {
        "Attributes": {
            "ApproximateNumberOfMessages": "0",
            "ApproximateNumberOfMessagesNotVisible": "0",
        }
    }


def test_list_and_describe_outputs_are_the_aws_cli_documents(topology: Cli) -> None:
    rule_arn = f"{EVENTS_ARN}rule/order-created"
    rule = {
        "Name": "order-created",
        "Arn": rule_arn,
        "EventPattern": PATTERN,
        "State": "ENABLED",
        "EventBusName": "default",
        "CreatedBy": ACCOUNT,
    }
    assert topology.ok("events", "describe-rule", "--name", "order-created") == rule
    assert topology.ok("events", "list-rules", "--name-prefix", "order") == {"Rules": [rule]}
    assert topology.ok("events", "list-rules", "--name-prefix", "nothing") == {"Rules": []}
    # No RetryPolicy was given: none is listed (the defaults apply), as on AWS.
    assert topology.ok("events", "list-targets-by-rule", "--rule", "order-created") == {
        "Targets": [
            {
                "Id": "missing",
                "Arn": f"{SQS_ARN}no-such-queue",
                "DeadLetterConfig": {"Arn": f"{SQS_ARN}events-dlq"},
            },
            {"Id": "orders", "Arn": f"{SQS_ARN}orders"},
        ]
    }
    assert topology.ok(
        "events", "list-rule-names-by-target", "--target-arn", f"{SQS_ARN}orders"
    ) == {"RuleNames": ["order-created"]}
    assert topology.ok("sqs", "list-queues") == {
        "QueueUrls": [f"{URL}events-dlq", f"{URL}orders", f"{URL}orders-dlq"]
    }
    assert topology.ok("sqs", "list-queues", "--queue-name-prefix", "orders-") == {
        "QueueUrls": [f"{URL}orders-dlq"]
    }
    assert topology.ok("sqs", "get-queue-url", "--queue-name", "orders") == {
        "QueueUrl": f"{URL}orders"
    }
    assert topology.ok(
        "sqs", "list-dead-letter-source-queues", "--queue-url", f"{URL}orders-dlq"
    ) == {"queueUrls": [f"{URL}orders"]}
    attributes = topology.ok(
        "sqs", "get-queue-attributes", "--queue-url", f"{URL}orders", "--attribute-names", "All"
    )["Attributes"]
    assert attributes.pop("CreatedTimestamp").isdigit()
    assert attributes.pop("LastModifiedTimestamp").isdigit()
    # As SQS returns it: compact JSON, the count a number (it was sent as the string "2").
    assert attributes.pop("RedrivePolicy") == (
        f'{{"deadLetterTargetArn":"{SQS_ARN}orders-dlq","maxReceiveCount":2}}'
    )
    assert attributes == {
        "DelaySeconds": "0",
        "MaximumMessageSize": "262144",
        "MessageRetentionPeriod": "345600",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
        "VisibilityTimeout": "0",
        "QueueArn": f"{SQS_ARN}orders",
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
    }
    assert topology.ok("sqs", "get-queue-attributes", "--queue-url", f"{URL}orders") is None


def test_event_buses_rules_and_targets_have_a_full_lifecycle(cli: Cli) -> None:
    bus_arn = f"{EVENTS_ARN}event-bus/orders"
    created = cli.ok("events", "create-event-bus", "--name", "orders", "--description", "Orders")
    assert created == {"EventBusArn": bus_arn}
    described = cli.ok("events", "describe-event-bus", "--name", "orders")
    assert described.pop("CreationTime") == described.pop("LastModifiedTime")
    assert described == {"Name": "orders", "Arn": bus_arn, "Description": "Orders"}
    listed = cli.ok("events", "list-event-buses")["EventBuses"]
    assert all(bus.pop("CreationTime").endswith("+00:00") for bus in listed)
    assert all(bus.pop("LastModifiedTime").endswith("+00:00") for bus in listed)
    assert listed == [
        {"Name": "default", "Arn": f"{EVENTS_ARN}event-bus/default"},
        {"Name": "orders", "Arn": bus_arn, "Description": "Orders"},
    ]
    on_bus = ("--event-bus-name", "orders")
    cli.ok("events", "put-rule", "--name", "r", "--event-pattern", PATTERN, *on_bus)
    cli.ok("events", "disable-rule", "--name", "r", *on_bus)
    assert cli.ok("events", "describe-rule", "--name", "r", *on_bus)["State"] == "DISABLED"
    cli.ok("events", "enable-rule", "--name", "r", *on_bus)
    targets = [{"Id": "a", "Arn": f"{SQS_ARN}a"}, {"Id": "b", "Arn": f"{SQS_ARN}b"}]
    cli.ok("events", "put-targets", "--rule", "r", "--targets", json.dumps(targets), *on_bus)

    refused = cli.run("events", "delete-rule", "--name", "r", *on_bus)
    assert refused.returncode == 254
    assert (
        "An error occurred (ValidationException) when calling the DeleteRule operation: "
        "Rule can't be deleted since it has targets."
    ) in refused.stderr

    removed = cli.ok("events", "remove-targets", "--rule", "r", "--ids", "a", "b", "c", *on_bus)
    assert removed == {
        "FailedEntryCount": 1,
        "FailedEntries": [
            {
                "TargetId": "c",
                "ErrorCode": "ResourceNotFoundException",
                "ErrorMessage": "Target not found.",
            }
        ],
    }
    assert cli.ok("events", "list-targets-by-rule", "--rule", "r", *on_bus) == {"Targets": []}
    assert cli.ok("events", "delete-rule", "--name", "r", *on_bus) is None
    assert cli.ok("events", "delete-event-bus", "--name", "orders") is None
    gone = cli.run("events", "describe-event-bus", "--name", "orders")
    assert gone.returncode == 254
    assert (
        "An error occurred (ResourceNotFoundException) when calling the DescribeEventBus "
        "operation: Event bus orders does not exist."
    ) in gone.stderr


def test_messages_with_attributes_batches_and_visibility(cli: Cli, tmp_path: Path) -> None:
    cli.ok("sqs", "create-queue", "--queue-name", "work", "--attributes", '{"DelaySeconds": "0"}')
    queue = ("--queue-url", f"{URL}work")
    attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
    sent = cli.ok(
        "sqs", "send-message", *queue, "--message-body", "hello",
        "--message-attributes", json.dumps(attributes),
    )  # fmt: skip
    assert list(sent) == ["MD5OfMessageBody", "MD5OfMessageAttributes", "MessageId"]
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()

    entries = tmp_path / "entries.json"
    entries.write_text(
        json.dumps([{"Id": "one", "MessageBody": "1"}, {"Id": "bad", "MessageBody": ""}]),
        encoding="utf-8",
    )
    batch = cli.ok("sqs", "send-message-batch", *queue, "--entries", f"file://{entries}")
    assert [entry["Id"] for entry in batch["Successful"]] == ["one"]
    assert batch["Failed"] == [
        {
            "Id": "bad",
            "SenderFault": True,
            "Code": "MissingParameter",
            "Message": "The request must contain the parameter MessageBody.",
        }
    ]

    received = receive(
        cli, "work", "--max-number-of-messages", "10", "--message-attribute-names", "All"
    )
    assert sorted(message["Body"] for message in received) == ["1", "hello"]
    hello = next(message for message in received if message["Body"] == "hello")
    assert hello["MessageAttributes"] == attributes
    assert hello["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert receive(cli, "work") == []  # both in flight: nothing printed at all

    one = next(message for message in received if message["Body"] == "1")
    cli.ok(
        "sqs", "change-message-visibility", *queue,
        "--receipt-handle", one["ReceiptHandle"], "--visibility-timeout", "0",
    )  # fmt: skip
    [again] = receive(cli, "work")
    assert again["Body"] == "1"
    deleted = cli.ok(
        "sqs", "delete-message-batch", *queue, "--entries",
        json.dumps([
            {"Id": "a", "ReceiptHandle": again["ReceiptHandle"]},
            {"Id": "b", "ReceiptHandle": hello["ReceiptHandle"]},
        ]),
    )  # fmt: skip
    assert deleted == {"Successful": [{"Id": "a"}, {"Id": "b"}]}
    cli.ok("sqs", "purge-queue", *queue)
    cli.ok("sqs", "delete-queue", *queue)
    assert cli.ok("sqs", "list-queues") is None


def test_a_fifo_queue_through_the_cli_as_through_the_aws_cli(cli: Cli) -> None:
    # [api] SendMessage: MessageGroupId and MessageDeduplicationId in, SequenceNumber out.
    cli.ok(
        "sqs", "create-queue", "--queue-name", "work.fifo", "--attributes", '{"FifoQueue": "true"}'
    )
    queue = ("--queue-url", f"{URL}work.fifo")
    first = cli.ok(
        "sqs", "send-message", *queue, "--message-body", "one",
        "--message-group-id", "g", "--message-deduplication-id", "d-1",
    )  # fmt: skip
    assert list(first) == ["MD5OfMessageBody", "MessageId", "SequenceNumber"]
    again = cli.ok(
        "sqs", "send-message", *queue, "--message-body", "two",
        "--message-group-id", "g", "--message-deduplication-id", "d-1",
    )  # fmt: skip
    assert again["MessageId"] == first["MessageId"]
    refused = cli.run("sqs", "send-message", *queue, "--message-body", "three")
    assert refused.returncode != 0
    assert "The request must contain the parameter MessageGroupId." in refused.stderr
    [message] = receive(cli, "work.fifo", "--attribute-names", "All")
    assert (message["Body"], message["Attributes"]["SequenceNumber"]) == (
        "one",
        first["SequenceNumber"],
    )


def test_receive_on_an_empty_queue_prints_nothing(cli: Cli) -> None:
    cli.ok("sqs", "create-queue", "--queue-name", "empty")
    done = cli.run("sqs", "receive-message", "--queue-url", f"{URL}empty")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_archives_and_replays_with_iso_and_epoch_times(topology: Cli) -> None:
    archive = topology.ok(
        "events", "create-archive", "--archive-name", "all-orders",
        "--event-source-arn", f"{EVENTS_ARN}event-bus/default",
        "--event-pattern", '{"detail-type": ["OrderCreated"]}',
    )  # fmt: skip
    assert archive["ArchiveArn"] == f"{EVENTS_ARN}archive/all-orders"
    assert archive["CreationTime"].endswith("+00:00")
    dated = {**ORDER, "Time": "2026-01-01T12:00:00Z"}
    topology.ok("events", "put-events", "--entries", json.dumps([dated]))
    described = topology.ok("events", "describe-archive", "--archive-name", "all-orders")
    assert (described["EventCount"], described["RetentionDays"]) == (1, 0)
    updated = topology.ok(
        "events", "update-archive", "--archive-name", "all-orders", "--retention-days", "30"
    )
    assert updated["ArchiveArn"] == f"{EVENTS_ARN}archive/all-orders"
    described = topology.ok("events", "describe-archive", "--archive-name", "all-orders")
    assert (described["RetentionDays"], described["EventPattern"]) == (
        30,
        '{"detail-type": ["OrderCreated"]}',  # what update-archive was not given stays
    )
    unknown = topology.run("events", "update-archive", "--archive-name", "nope")
    assert unknown.returncode == 254
    assert "(ResourceNotFoundException) when calling the UpdateArchive operation" in (
        unknown.stderr
    )
    assert [a["ArchiveName"] for a in topology.ok("events", "list-archives")["Archives"]] == [
        "all-orders"
    ]

    replay = topology.ok(
        "events", "start-replay", "--replay-name", "again",
        "--event-source-arn", f"{EVENTS_ARN}archive/all-orders",
        "--event-start-time", "2026-01-01T00:00:00Z",
        "--event-end-time", "1767312000",  # 2026-01-02T00:00:00Z
        "--destination", f"Arn={EVENTS_ARN}event-bus/default",
    )  # fmt: skip
    assert replay["State"] == "COMPLETED"
    described_replay = topology.ok("events", "describe-replay", "--replay-name", "again")
    assert described_replay["EventStartTime"] == "2026-01-01T00:00:00+00:00"
    assert described_replay["EventEndTime"] == "2026-01-02T00:00:00+00:00"
    assert described_replay["EventLastReplayedTime"] == "2026-01-01T12:00:00+00:00"
    assert [r["ReplayName"] for r in topology.ok("events", "list-replays")["Replays"]] == ["again"]
    bodies = [
        json.loads(m["Body"]) for m in receive(topology, "orders", "--max-number-of-messages", "10")
    ]
    assert sorted(body.get("replay-name", "") for body in bodies) == ["", "again"]

    cancelled = topology.run("events", "cancel-replay", "--replay-name", "again")
    assert cancelled.returncode == 254
    assert "(InvalidStateException) when calling the CancelReplay operation" in cancelled.stderr
    assert topology.ok("events", "delete-archive", "--archive-name", "all-orders") is None


def test_message_move_tasks_as_in_the_aws_cli(dead_letter: Cli) -> None:
    started = dead_letter.ok(
        "sqs", "start-message-move-task", "--source-arn", f"{SQS_ARN}orders-dlq"
    )
    assert set(started) == {"TaskHandle"}
    [task] = dead_letter.ok(
        "sqs", "list-message-move-tasks", "--source-arn", f"{SQS_ARN}orders-dlq"
    )["Results"]
    assert task.pop("StartedTimestamp") > 0
    assert task == {
        "Status": "COMPLETED",
        "SourceArn": f"{SQS_ARN}orders-dlq",
        "ApproximateNumberOfMessagesMoved": 1,
        "ApproximateNumberOfMessagesToMove": 1,
    }
    cancel = dead_letter.run(
        "sqs", "cancel-message-move-task", "--task-handle", started["TaskHandle"]
    )
    assert cancel.returncode == 254
    assert "when calling the CancelMessageMoveTask operation" in cancel.stderr
    assert len(receive(dead_letter, "orders")) == 1  # back in its source queue


# -- errors ---------------------------------------------------------------------------


def test_a_missing_queue_is_queue_does_not_exist(cli: Cli) -> None:
    cli.ok("sqs", "create-queue", "--queue-name", "other")  # a database, without that queue
    done = cli.run("sqs", "receive-message", "--queue-url", f"{URL}nope")
    assert done.returncode == 254
    assert done.stdout == ""
    assert done.stderr == (
        "\nAn error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the "
        "ReceiveMessage operation: "
        "The specified queue does not exist.\n"
    )


def test_an_invalid_pattern_is_refused_by_put_rule(cli: Cli) -> None:
    done = cli.run("events", "put-rule", "--name", "r", "--event-pattern", '{"source": "x"}')
    assert done.returncode == 254
    assert (
        "An error occurred (InvalidEventPatternException) when calling the PutRule operation: "
        "Event pattern is not valid. Reason: "
    ) in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_json_is_a_parameter_error_before_touching_the_database(cli: Cli) -> None:
    done = cli.run("events", "put-events", "--entries", "[{bad")
    assert done.returncode == 252
    assert done.stderr.startswith(
        "\nError parsing parameter '--entries': Invalid JSON: Expecting property name enclosed "
        "in double quotes"
    )
    assert "JSON received: [{bad" in done.stderr
    not_structures = cli.run("events", "put-targets", "--rule", "r", "--targets", "[1, 2]")
    assert not_structures.returncode == 252
    assert "Invalid type for parameter Targets[0]" in not_structures.stderr
    not_a_number = cli.run(
        "sqs", "send-message-batch", "--queue-url", "q", "--entries", "Id=a,DelaySeconds=soon"
    )
    assert not_a_number.returncode == 252
    assert "DelaySeconds must be a whole number, received: 'soon'" in not_a_number.stderr
    shorthand = cli.run("sqs", "create-queue", "--queue-name", "q", "--attributes", "Visibility")
    assert shorthand.returncode == 252
    assert "Error parsing parameter '--attributes': Expected: '='" in shorthand.stderr
    assert not cli.db.exists()


def test_a_corrupt_database_file_is_reported_clearly(cli: Cli) -> None:
    cli.db.write_bytes(b"this is not a database, just some text" * 100)
    done = cli.run("sqs", "list-queues")
    assert done.returncode == 255
    assert done.stdout == ""
    assert f"The file {cli.db} is not an orderflow database, or it is corrupt" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can create files in; root included, thanks to the immutable flag."""
    folder = tmp_path / "locked"
    folder.mkdir()
    yield folder
    if shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True, check=False)
    folder.chmod(0o755)


def _lock(folder: Path) -> None:
    folder.chmod(0o555)
    probe = folder / "probe"
    try:
        probe.touch()
    except PermissionError:
        return
    probe.unlink()  # root ignores permissions: try the immutable attribute instead
    chattr = shutil.which("chattr")
    locked = chattr and subprocess.run([chattr, "+i", str(folder)], check=False).returncode == 0
    if not locked:
        pytest.skip("cannot make a folder read-only for this user")


def test_a_read_only_database_folder_is_reported_clearly(read_only_folder: Path) -> None:
    cli = Cli(read_only_folder / "orderflow.db")
    cli.ok("sqs", "create-queue", "--queue-name", "orders")
    _lock(read_only_folder)
    done = cli.run("sqs", "list-queues")
    assert done.returncode == 255
    assert done.stdout == ""
    assert str(cli.db) in done.stderr
    assert "read-only" in done.stderr or "writable" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_database_comes_from_orderflow_db_when_no_db_is_given(tmp_path: Path) -> None:
    db = tmp_path / "from-env.db"
    env = environment(ORDERFLOW_DB=str(db))
    done = subprocess.run(
        [sys.executable, "-m", "orderflow", "sqs", "create-queue", "--queue-name", "q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert db.exists()
    assert not (tmp_path / ".orderflow").exists()


# -- operator views -------------------------------------------------------------------


def test_queues_json_shows_depths_dlqs_and_oldest_age(dead_letter: Cli) -> None:
    put_order(dead_letter)
    rows = {row["QueueName"]: row for row in dead_letter.ok("queues", "--json")["Queues"]}
    assert list(rows) == ["events-dlq", "orders", "orders-dlq"]
    orders = rows["orders"]
    assert orders.pop("OldestMessageAgeSeconds") >= 0
    assert orders == {
        "QueueName": "orders",
        "QueueUrl": f"{URL}orders",
        "Visible": 1,
        "InFlight": 0,
        "Delayed": 0,
        "DeadLetterQueue": "orders-dlq",
        "DeadLetterQueueDepth": 1,
    }
    assert rows["events-dlq"]["Visible"] == 2  # both orders failed for the missing queue
    assert rows["events-dlq"]["DeadLetterQueue"] is None


def test_queues_table_lists_every_queue(topology: Cli) -> None:
    done = topology.run("queues")
    assert done.returncode == 0, done.stderr
    for text in ("orders-dlq", "events-dlq", "in flight", "DLQ depth", "oldest"):
        assert text in done.stdout


def test_dlq_show_looks_without_receiving(dead_letter: Cli) -> None:

    first = dead_letter.ok("dlq", "show", "orders", "--json")
    assert first == dead_letter.ok("dlq", "show", "orders-dlq", "--json")  # looking changed nothing
    assert (first["DeadLetterQueue"], first["ApproximateNumberOfMessages"]) == ("orders-dlq", 1)
    [message] = first["Messages"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"
    assert message["Attributes"]["DeadLetterQueueSourceArn"] == f"{SQS_ARN}orders"
    visible = dead_letter.ok(
        "sqs", "get-queue-attributes", "--queue-url", f"{URL}orders-dlq",
        "--attribute-names", "ApproximateNumberOfMessages",
    )  # fmt: skip
    assert visible == {"Attributes": {"ApproximateNumberOfMessages": "1"}}
    [received] = receive(dead_letter, "orders-dlq", "--attribute-names", "ApproximateReceiveCount")
    assert received["Attributes"] == {"ApproximateReceiveCount": "3"}

    table = dead_letter.run("dlq", "show", "orders")
    assert table.returncode == 0, table.stderr
    assert "orders-dlq: 1 message waiting" in table.stdout
    assert "from orders " in table.stdout  # the source queue by name (its ARN in --json)


def test_dlq_show_explains_eventbridge_delivery_failures(dead_letter: Cli) -> None:
    shown = dead_letter.ok("dlq", "show", "events-dlq", "--json")
    [message] = shown["Messages"]
    values = {key: value["StringValue"] for key, value in message["MessageAttributes"].items()}
    assert values["ERROR_CODE"] == "NO_RESOURCE"
    assert values["RULE_ARN"] == f"{EVENTS_ARN}rule/order-created"
    assert "no-such-queue" in values["ERROR_MESSAGE"]
    table = dead_letter.run("dlq", "show", "events-dlq")
    assert "NO_RESOURCE" in table.stdout
    assert f"rule {EVENTS_ARN}rule/order-created" in table.stdout


def test_dlq_redrive_moves_messages_back_with_a_progress_bar(dead_letter: Cli) -> None:
    done = dead_letter.run("dlq", "redrive", "orders")
    assert done.returncode == 0, done.stderr
    assert "Moved 1 message from orders-dlq to their source queues." in done.stdout
    assert "redriving orders-dlq" in done.stderr  # the progress bar
    assert "1/1" in done.stderr
    [back] = receive(dead_letter, "orders", "--attribute-names", "ApproximateReceiveCount")
    assert back["Attributes"] == {"ApproximateReceiveCount": "1"}  # starts over, as on SQS

    again = dead_letter.run("dlq", "redrive", "orders")
    assert "Moved 0 messages" in again.stdout


def test_dlq_commands_report_a_missing_queue(cli: Cli) -> None:
    cli.ok("sqs", "create-queue", "--queue-name", "other")  # a database, without that queue
    for command in ("show", "redrive"):
        done = cli.run("dlq", command, "nope")
        assert done.returncode == 1
        assert (
            done.stderr.strip() == "error: there is no queue 'nope' (orderflow queues lists them)"
        )


# -- parameter syntax (in process: the same functions the CLI runs) -------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VisibilityTimeout=10", {"VisibilityTimeout": "10"}),
        ("A=1,B=2", {"A": "1", "B": "2"}),
        ('RedrivePolicy=\'{"a":1,"b":2}\',B=x', {"RedrivePolicy": '{"a":1,"b":2}', "B": "x"}),
        ("Arn=arn:x,FilterArns=r1,r2", {"Arn": "arn:x", "FilterArns": ["r1", "r2"]}),
        ("Arn=arn:x,FilterArns=[r1,r2]", {"Arn": "arn:x", "FilterArns": ["r1", "r2"]}),
    ],
)
def test_shorthand_reads_as_the_aws_cli_reads_it(text: str, expected: dict[str, Any]) -> None:
    from orderflow.entrypoints.cli.arguments import shorthand

    assert shorthand("--attributes", text) == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--ids", "a", "b", "--rule", "r"], ["--ids", "a", "--ids", "b", "--rule", "r"]),
        (["--rule", "r", "--ids", "a"], ["--rule", "r", "--ids", "a"]),
        (["--attribute-names", "All", "--delay-seconds", "-1"], None),
        (["--message-body", "x", "y"], None),
        (["--ids", "a", "--", "b"], None),
    ],
)
def test_list_options_take_every_value_up_to_the_next_option(
    argv: list[str], expected: list[str] | None
) -> None:
    from orderflow.entrypoints.cli.arguments import expand_list_options

    assert expand_list_options(argv) == (argv if expected is None else expected)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["queues", "--db", "x.db"], ["--db", "x.db", "queues"]),
        (["dlq", "show", "inventory", "--db=x.db"], ["--db=x.db", "dlq", "show", "inventory"]),
        (["--db", "a.db", "queues", "--db", "b.db"], ["--db", "a.db", "--db", "b.db", "queues"]),
        (["--db", "a.db", "queues"], None),
        (["serve", "--db", "x.db"], None),  # serve and apply have their own
        (["apply", "t.yaml", "--db", "x.db"], None),
        (["sqs", "send-message", "--", "--db", "x"], None),
        (["queues", "--db"], None),  # no value: click says what is missing
        (["--help"], None),
    ],
)
def test_the_root_db_option_is_read_after_the_command_too(
    argv: list[str], expected: list[str] | None
) -> None:
    from orderflow.entrypoints.cli.arguments import hoist_db

    assert hoist_db(argv) == (argv if expected is None else expected)


def test_db_after_the_command_works_from_the_command_line(cli: Cli) -> None:
    cli.ok("sqs", "create-queue", "--queue-name", "after")
    done = subprocess.run(
        [sys.executable, "-m", "orderflow", "queues", "--json", "--db", str(cli.db)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment(),
    )
    assert done.returncode == 0, done.stderr
    assert [q["QueueName"] for q in json.loads(done.stdout)["Queues"]] == ["after"]


def test_lists_of_structures_in_the_aws_cli_shorthand(cli: Cli) -> None:
    """One value per structure, ``Key=Value,...`` each, as the AWS CLI's documentation
    writes them; JSON lists keep working beside them."""
    cli.ok(
        "events", "create-event-bus", "--name", "shop",
        "--tags", "Key=team,Value=orders", "Key=tier,Value=gold",
    )  # fmt: skip
    engine = open_engine(cli.db)
    try:
        tags = engine.events.list_tags_for_resource(f"{EVENTS_ARN}event-bus/shop")
    finally:
        engine.store.close()
    assert tags == {"team": "orders", "tier": "gold"}
    for name in ("big", "all"):
        cli.ok("sqs", "create-queue", "--queue-name", name)
    cli.ok("events", "put-rule", "--name", "r", "--event-bus-name", "shop",
           "--event-pattern", '{"source": ["shop"]}')  # fmt: skip
    added = cli.ok(
        "events", "put-targets", "--rule", "r", "--event-bus-name", "shop",
        "--targets", f"Id=big,Arn={SQS_ARN}big", f"Id=all,Arn={SQS_ARN}all",
    )  # fmt: skip
    assert added == {"FailedEntryCount": 0, "FailedEntries": []}
    listed = cli.ok("events", "list-targets-by-rule", "--rule", "r", "--event-bus-name", "shop")
    assert {t["Id"]: t["Arn"] for t in listed["Targets"]} == {
        "big": f"{SQS_ARN}big",
        "all": f"{SQS_ARN}all",
    }
    put = cli.ok(
        "events", "put-events",
        "--entries", "Source=shop,DetailType=Sale,Detail={},EventBusName=shop",
    )  # fmt: skip
    assert put["FailedEntryCount"] == 0
    sent = cli.ok(
        "sqs", "send-message-batch", "--queue-url", f"{URL}big",
        "--entries", "Id=a,MessageBody=first", "Id=b,MessageBody=later,DelaySeconds=30",
    )  # fmt: skip
    assert sorted(entry["Id"] for entry in sent["Successful"]) == ["a", "b"]
    attributes = cli.ok(
        "sqs", "get-queue-attributes", "--queue-url", f"{URL}big", "--attribute-names", "All"
    )["Attributes"]
    assert (
        attributes["ApproximateNumberOfMessages"],
        attributes["ApproximateNumberOfMessagesDelayed"],
    ) == ("2", "1")
