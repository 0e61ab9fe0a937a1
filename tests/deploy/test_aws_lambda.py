"""``orderflow.entrypoints.aws_lambda.handler``: invoked with SQS batches built as
Lambda's event source mapping builds them (from messages received off a real queue of
``orderflow serve``, with the services' topology, plus a poison message and duplicate
deliveries), over a real SQLite state file. Effects happen once, exactly the poison
message is reported in ``batchItemFailures``, and the chained events (InventoryOutOfStock
→ refund → RefundIssued → RefundCompleted) are published to the endpoint's bus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from orderflow.adapters.aws.connection import AwsConnection
from orderflow.adapters.smtp.sink import MailSink
from orderflow.adapters.sqlite.mailbox import SqliteMailbox
from orderflow.bootstrap.functions import open_function_system
from orderflow.bootstrap.system import services_topology
from orderflow.entrypoints.aws_lambda import handler, reset
from orderflow.entrypoints.aws_lambda.events import UnsupportedEvent
from orderflow.entrypoints.aws_lambda.function import InvocationFailed
from orderflow.entrypoints.aws_lambda.settings import FunctionSettingsError
from orderflow.entrypoints.system.ports import free_port
from orderflow.eventbus.topology_file import parse_topology
from orderflow.events.contracts import InventoryOutOfStock, Metadata
from orderflow.events.contracts.inventory import Shortage
from orderflow.events.contracts.orders import CustomerV2, OrderSummary
from orderflow.runtime.journal import Outcome
from orderflow.services.notifications.messages import recipient_for
from tests.support.served import serving

REGION = "us-east-1"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``orderflow serve`` over a fresh SQLite file holding the services' topology (and a
    ``staging-`` bus whose events a ``capture`` queue keeps): its URL."""
    staging = (
        "buses: {staging-orders: {}}\n"
        "queues: {capture: {}}\n"
        "rules:\n"
        "  capture-all:\n"
        "    bus: staging-orders\n"
        "    pattern: {source: [{prefix: com.mycompany.}]}\n"
        "    targets: [{queue: capture}]\n"
    )
    with serving(tmp_path / "served.db", services_topology(), parse_topology(staging)) as url:
        yield url


@pytest.fixture
def function_env(served: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The environment a refund function has on AWS (its endpoint: ``orderflow serve``;
    its state: a SQLite file): the state file's path."""
    for name in (
        "AWS_PROFILE",
        "AWS_REGION",
        "ORDERFLOW_STATE_SECRET_ARN",
        "ORDERFLOW_NAME_PREFIX",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", served)
    state = tmp_path / "state.db"
    monkeypatch.setenv("ORDERFLOW_DB", f"sqlite:///{state}")
    monkeypatch.setenv("ORDERFLOW_CONSUMER", "refund")
    yield state
    reset()


def client(service: str) -> Any:
    return boto3.client(service)  # from the environment, as the function's own clients


def out_of_stock(order_id: str) -> dict[str, Any]:
    event = InventoryOutOfStock(
        order=OrderSummary(order_id=order_id, total_amount=42.5, currency="EUR"),
        customer=CustomerV2(user_id="u-1", is_refund_eligible=True),
        shortages=[Shortage(sku="KB-001", requested=2, available=0)],
        metadata=Metadata(
            created_at="2026-12-04T10:00:00Z",
            correlation_id=f"c-{order_id}",
            event_id=f"e-{order_id}",
        ),
    )
    return {
        "Source": event.SOURCE,
        "DetailType": event.DETAIL_TYPE,
        "Detail": json.dumps(event.to_detail()),
        "EventBusName": "orders",
    }


def received(queue: str) -> list[dict[str, Any]]:
    """The messages visible on ``queue`` now, received as Lambda's poller receives them."""
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    answer = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
    )
    return list(answer.get("Messages", []))


def record(message: dict[str, Any], queue: str) -> dict[str, Any]:
    """An SQS record of a Lambda event, as the event source mapping writes it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message["Attributes"],
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:{queue}",
        "awsRegion": REGION,
    }


def delete(messages: list[dict[str, Any]], queue: str) -> None:
    """What the event source mapping does with the messages not reported as failed."""
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def detail_types(messages: list[dict[str, Any]]) -> list[str]:
    return [json.loads(message["Body"])["detail-type"] for message in messages]


def test_a_batch_with_a_poison_message_and_duplicates_refunds_once(function_env: Path) -> None:
    client("events").put_events(Entries=[out_of_stock("o-1")])
    first = received("refund")
    assert detail_types(first) == ["InventoryOutOfStock"]
    poison = {**record(first[0], "refund"), "messageId": "poison-1", "body": "{not json"}
    copy = {**record(first[0], "refund"), "messageId": "copy-1"}  # SQS delivered it twice
    answer = handler({"Records": [record(first[0], "refund"), poison, copy]}, None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "poison-1"}]}
    delete(first, "refund")

    issued = received("refund")  # the refund's RefundIssued, routed back to the refund rule
    assert detail_types(issued) == ["RefundIssued"]
    redelivered = {**record(first[0], "refund"), "attributes": {"ApproximateReceiveCount": "2"}}
    answer = handler({"Records": [record(issued[0], "refund"), redelivered]}, None)
    assert answer == {"batchItemFailures": []}
    delete(issued, "refund")
    assert received("refund") == []  # no second RefundIssued for the redelivery

    notified = received("notification")
    assert detail_types(notified) == ["RefundCompleted"]
    system = open_function_system(f"sqlite:///{function_env}", AwsConnection())
    try:
        with system.state.reader() as state:
            refunds = list(state.scan("refunds.refund"))
            attempts = state.attempts_of("c-o-1")
            poisoned = state.attempts_of_message("poison-1")
            assert state.pending_events(10) == []
    finally:
        system.close()
    assert [(r["orderId"], r["status"]) for r in refunds] == [("o-1", "COMPLETED")]
    outcomes = sorted((a.detail_type, a.outcome) for a in attempts)
    assert outcomes == [
        ("InventoryOutOfStock", Outcome.DUPLICATE),
        ("InventoryOutOfStock", Outcome.DUPLICATE),
        ("InventoryOutOfStock", Outcome.PROCESSED),
        ("RefundIssued", Outcome.PROCESSED),
    ]
    assert [a.outcome for a in poisoned] == [Outcome.FAILED]


def test_an_eventbridge_event_invokes_it_directly(function_env: Path) -> None:
    client("events").put_events(Entries=[out_of_stock("o-2")])
    event = json.loads(received("refund")[0]["Body"])  # the event, as a rule passes it on
    assert handler(event, None) == {"batchItemFailures": []}
    assert "RefundIssued" in detail_types(received("refund"))
    broken = {**event, "id": "broken-1", "detail": {"order": "not an order"}}
    with pytest.raises(InvocationFailed, match="InventoryOutOfStock broken-1"):
        handler(broken, None)  # raised: Lambda retries a direct invocation


def test_the_name_prefix_reaches_the_buses_it_publishes_to(
    function_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERFLOW_NAME_PREFIX", "staging-")
    client("events").put_events(Entries=[out_of_stock("o-3")])
    message = received("refund")[0]
    assert handler({"Records": [record(message, "refund")]}, None) == {"batchItemFailures": []}
    assert detail_types(received("capture")) == ["RefundIssued"]  # on staging-orders
    assert received("refund") == []  # in flight, and no RefundIssued came through orders


def test_the_state_url_may_come_from_a_secret(
    function_env: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)  # Secrets Manager: moto's
    secret = client("secretsmanager").create_secret(
        Name="orderflow/state", SecretString=f"sqlite:///{function_env}"
    )
    monkeypatch.delenv("ORDERFLOW_DB")
    monkeypatch.setenv("ORDERFLOW_STATE_SECRET_ARN", secret["ARN"])
    assert handler({"Records": []}, None) == {"batchItemFailures": []}
    assert function_env.exists()  # the state the secret names was opened


def test_what_it_cannot_run_is_an_error(
    function_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UnsupportedEvent):
        handler({"Records": [{"eventSource": "aws:kinesis"}]}, None)
    with pytest.raises(UnsupportedEvent):
        handler(["not", "an", "event"], None)
    monkeypatch.setenv("ORDERFLOW_CONSUMER", "shipping")
    with pytest.raises(FunctionSettingsError, match="'shipping' is no consumer"):
        handler({"Records": []}, None)
    monkeypatch.delenv("ORDERFLOW_DB")
    monkeypatch.setenv("ORDERFLOW_CONSUMER", "refund")
    with pytest.raises(FunctionSettingsError, match="where is the state"):
        handler({"Records": []}, None)


@pytest.fixture
def mail_sink(tmp_path: Path) -> Iterator[tuple[MailSink, SqliteMailbox]]:
    """A real SMTP server on loopback, keeping what it receives."""
    mailbox = SqliteMailbox(tmp_path / "mailbox.db")
    sink = MailSink(mailbox, "127.0.0.1", free_port())
    sink.start()
    try:
        yield sink, mailbox
    finally:
        sink.stop()
        mailbox.close()


def test_the_notification_function_sends_the_emails_its_batch_wrote(
    function_env: Path,
    mail_sink: tuple[MailSink, SqliteMailbox],
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink, mailbox = mail_sink
    client("events").put_events(Entries=[out_of_stock("o-9")])
    (first,) = received("refund")
    handler({"Records": [record(first, "refund")]}, None)  # the refund: RefundIssued
    delete([first], "refund")
    (issued,) = received("refund")
    handler({"Records": [record(issued, "refund")]}, None)  # done: RefundCompleted
    delete([issued], "refund")
    (completed,) = received("notification")
    reset()  # another function: the notification one, its SMTP server in its secret
    endpoint = client("events").meta.endpoint_url
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_url)
    secret = boto3.client(
        "secretsmanager", region_name=REGION, endpoint_url=moto_url
    ).create_secret(
        Name="orderflow/notification",
        SecretString=json.dumps(
            {"db": f"sqlite:///{function_env}", "smtp": f"127.0.0.1:{sink.port}"}
        ),
    )
    monkeypatch.delenv("ORDERFLOW_DB")
    monkeypatch.setenv("ORDERFLOW_STATE_SECRET_ARN", secret["ARN"])
    monkeypatch.setenv("ORDERFLOW_CONSUMER", "notification")
    assert client("events").meta.endpoint_url == endpoint  # the bus is still the served one
    answer = handler({"Records": [record(completed, "notification")]}, None)
    assert answer == {"batchItemFailures": []}
    (mail,) = mailbox.messages()
    assert "Refund" in mail["subject"] and mail["to"] == [recipient_for("u-1")]
    redelivered = {**record(completed, "notification"), "messageId": "again-1"}
    assert handler({"Records": [redelivered]}, None) == {"batchItemFailures": []}
    assert len(mailbox.messages()) == 1  # a redelivery writes no second email
    system = open_function_system(f"sqlite:///{function_env}", AwsConnection())
    try:
        with system.state.reader() as state:
            assert state.pending_mail(10) == []
            announced = [row.event.detail_type for row in state.events_of("c-o-9")]
            assert announced.count("NotificationSent") == 1
            assert state.pending_events(10) == []  # published
    finally:
        system.close()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('{"db": "sqlite:///x.db", "smtp_host": "mail"}', "settings orderflow does not know"),
        ('{"db": ', "is not valid JSON"),
        ('{"db": "sqlite:///x.db", "smtp": "user:secret@mail:25"}', "the SMTP server"),
    ],
)
def test_a_secret_whose_settings_are_wrong_says_which(
    function_env: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    secret = client("secretsmanager").create_secret(
        Name=f"orderflow/wrong-{abs(hash(value))}", SecretString=value
    )
    monkeypatch.delenv("ORDERFLOW_DB")
    monkeypatch.setenv("ORDERFLOW_STATE_SECRET_ARN", secret["ARN"])
    monkeypatch.setenv("ORDERFLOW_CONSUMER", "notification")
    with pytest.raises(FunctionSettingsError, match=problem) as raised:
        handler({"Records": []}, None)
    assert "secret@" not in str(raised.value)  # a password is never repeated
