"""SQS queues, specified through the ``Queues`` API, on every adapter of the storage port.

Sources of the expected behaviour:
[api]    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_<Action>.html
[vt]     https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
[dlq]    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
[poll]   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
[md5]    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
         ("Calculating the MD5 message digest for message attributes"); the digests below are
         AWS's samples as pinned by ydb-platform/ydb (ydb/core/ymq/actor/attributes_md5_ut.cpp),
         and the Number sample that getmoto/moto (tests/test_sqs) and LocalStack's unit tests pin.
[sem]    /work/shared/conformance/SEMANTICS.md, SQS section.
Error messages are pinned exactly as ``orderflow.eventbus.queues`` words them (AWS's
wording where it is known). Tests marked xfail(strict) specify documented SQS
behaviour the engine does not have yet; each reason says where the two differ.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

from orderflow.eventbus.clock import ManualClock, SystemClock
from orderflow.eventbus.errors import StoreError
from orderflow.eventbus.model.queues import MoveTask, NewMessage, QueueRecord, Reception
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.ports import EngineStore
from orderflow.eventbus.queues import Queues, ReceivedMessage
from orderflow.eventbus.queues.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidBatchEntryId,
    InvalidMessageContents,
    InvalidParameterValue,
    MessageNotInflight,
    MissingParameter,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
    ReceiptHandleIsInvalid,
    ResourceNotFound,
    SqsError,
    TooManyEntriesInBatchRequest,
    UnsupportedOperation,
)

SCOPE = AwsScope()
START_MS = ManualClock().now_ms()
NAME_CHARS = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
FIFO_NAME = (
    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
    "underscores, must end with .fifo suffix and be 1 to 80 in length."
)
NOT_IN_FLIGHT = "The specified message isn't in flight."


def arn(name: str) -> str:
    return SCOPE.queue_arn(name)


def url(name: str) -> str:
    return SCOPE.queue_url(name)


def redrive(dlq: str, max_receive_count: int) -> str:
    return json.dumps({"deadLetterTargetArn": arn(dlq), "maxReceiveCount": max_receive_count})


@contextmanager
def fails(kind: type[SqsError], message: str) -> Iterator[None]:
    """The block raises exactly this error class, with exactly this message."""
    with pytest.raises(kind) as caught:
        yield
    assert type(caught.value) is kind
    assert str(caught.value) == message


def counts(queues: Queues, name: str) -> tuple[int, int, int]:
    values = queues.get_queue_attributes(
        url(name),
        [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )
    return (
        int(values["ApproximateNumberOfMessages"]),
        int(values["ApproximateNumberOfMessagesNotVisible"]),
        int(values["ApproximateNumberOfMessagesDelayed"]),
    )


def receive_one(queues: Queues, name: str, **options: Any) -> ReceivedMessage:
    received = queues.receive_message(url(name), **options)
    assert len(received) == 1
    return received[0]


# -- CreateQueue, GetQueueUrl, DeleteQueue ----------------------------------------------


def test_create_queue_returns_its_url_and_is_idempotent_with_the_same_attributes(
    queues: Queues,
) -> None:
    assert queues.create_queue("orders", {"VisibilityTimeout": "60"}) == url("orders")
    assert queues.create_queue("orders", {"VisibilityTimeout": "60"}) == url("orders")
    assert queues.create_queue("orders") == url("orders")  # no attributes: nothing differs
    assert queues.get_queue_url("orders") == url("orders")


def test_create_queue_with_a_different_attribute_value_is_queue_name_exists(
    queues: Queues,
) -> None:
    queues.create_queue("orders", {"VisibilityTimeout": "60"})
    message = (
        "A queue already exists with the same name and a different value for attribute "
        "VisibilityTimeout"
    )
    with fails(QueueNameExists, message):
        queues.create_queue("orders", {"VisibilityTimeout": "61"})
    # the default value, given explicitly, differs from the queue's value too
    with fails(QueueNameExists, message):
        queues.create_queue("orders", {"VisibilityTimeout": "30"})


@pytest.mark.parametrize(
    ("name", "attributes"),
    [
        ("a", {}),
        ("Orders-2026_eu", {}),
        ("x" * 80, {}),
        ("y" * 75 + ".fifo", {"FifoQueue": "true"}),
    ],
)
def test_valid_queue_names(queues: Queues, name: str, attributes: dict[str, str]) -> None:
    assert queues.create_queue(name, attributes) == url(name)


@pytest.mark.parametrize(
    ("name", "attributes"),
    [
        ("", {}),
        ("x" * 81, {}),
        ("has space", {}),
        ("dotted.name", {}),
        ("ümlaut", {}),
        ("y" * 76 + ".fifo", {"FifoQueue": "true"}),
        (".fifo", {"FifoQueue": "true"}),
    ],
)
def test_invalid_queue_names(queues: Queues, name: str, attributes: dict[str, str]) -> None:
    with fails(InvalidParameterValue, NAME_CHARS):
        queues.create_queue(name, attributes)


def test_fifo_queue_attribute_needs_a_fifo_name(queues: Queues) -> None:
    with fails(InvalidParameterValue, FIFO_NAME):
        queues.create_queue("orders", {"FifoQueue": "true"})


def test_a_fifo_name_with_fifo_queue_false_is_refused(queues: Queues) -> None:
    with fails(InvalidParameterValue, "Invalid value for the parameter FifoQueue."):
        queues.create_queue("orders.fifo", {"FifoQueue": "false"})


def test_a_fifo_queue_has_the_fifo_attributes(queues: Queues) -> None:
    queues.create_queue("orders.fifo", {"FifoQueue": "true"})
    values = queues.get_queue_attributes(url("orders.fifo"))
    assert values["FifoQueue"] == "true"
    assert values["ContentBasedDeduplication"] == "false"
    assert values["DeduplicationScope"] == "queue"
    assert values["FifoThroughputLimit"] == "perQueue"


@pytest.mark.parametrize(
    "attribute", ["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"]
)
def test_fifo_only_attributes_on_a_standard_queue_are_unknown(
    queues: Queues, attribute: str
) -> None:
    value = "true" if attribute == "ContentBasedDeduplication" else "queue"
    with fails(InvalidAttributeName, f"Unknown Attribute {attribute}."):
        queues.create_queue("orders", {attribute: value})


def test_a_fifo_name_without_the_fifo_queue_attribute_is_refused(queues: Queues) -> None:
    with pytest.raises(InvalidParameterValue):
        queues.create_queue("orders.fifo")


def test_recreating_a_queue_within_60_seconds_of_deleting_it_is_refused(
    queues: Queues, clock: ManualClock
) -> None:
    # [api] DeleteQueue: "You must wait 60 seconds after deleting a queue before you can
    # create another with the same name."
    queues.create_queue("orders")
    queues.delete_queue(url("orders"))
    clock.advance(seconds=59)
    with fails(
        QueueDeletedRecently,
        "You must wait 60 seconds after deleting a queue before you can create another with "
        "the same name.",
    ):
        queues.create_queue("orders")
    queues.create_queue("payments")  # other names are free
    clock.advance(seconds=1)
    assert queues.create_queue("orders") == url("orders")


def test_sending_to_a_fifo_queue_needs_a_message_group_id(queues: Queues) -> None:
    # [api] SendMessage MessageGroupId: "This parameter applies only to FIFO queues ... you
    # must provide a MessageGroupId"; SQS answers InvalidParameterValue with this message.
    queues.create_queue("orders.fifo", {"FifoQueue": "true"})
    with fails(InvalidParameterValue, "The request must contain the parameter MessageGroupId."):
        queues.send_message(url("orders.fifo"), "body", message_deduplication_id="d-1")


def test_a_fifo_queue_refuses_a_per_message_delay(queues: Queues) -> None:
    # [api] SendMessage DelaySeconds: "FIFO queues don't support per-message delays, only
    # per-queue delays."
    queues.create_queue("orders.fifo", {"FifoQueue": "true"})
    with fails(
        InvalidParameterValue,
        "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type.",
    ):
        queues.send_message(
            url("orders.fifo"),
            "body",
            delay_seconds=5,
            message_group_id="g",
            message_deduplication_id="d-1",
        )


def test_a_deleted_queue_and_its_messages_are_gone(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "hello")
    queues.delete_queue(url("orders"))
    missing = "The specified queue does not exist."
    with fails(QueueDoesNotExist, missing):
        queues.get_queue_url("orders")
    with fails(QueueDoesNotExist, missing):
        queues.receive_message(url("orders"))
    with fails(QueueDoesNotExist, missing):
        queues.send_message(url("orders"), "x")
    with fails(QueueDoesNotExist, missing):
        queues.get_queue_attributes(url("orders"))
    with fails(QueueDoesNotExist, missing):
        queues.purge_queue(url("orders"))
    with fails(QueueDoesNotExist, missing):
        queues.delete_queue(url("orders"))
    clock.advance(seconds=60)
    queues.create_queue("orders")
    assert queues.receive_message(url("orders")) == []


# -- ListQueues --------------------------------------------------------------------------


def test_list_queues_by_prefix_sorted_by_name(queues: Queues) -> None:
    for name in ["orders-b", "payments", "orders-a", "Orders-c"]:
        queues.create_queue(name)
    assert queues.list_queues(prefix="orders") == [url("orders-a"), url("orders-b")]
    assert queues.list_queues() == [
        url(n) for n in ["Orders-c", "orders-a", "orders-b", "payments"]
    ]
    assert queues.list_queues(prefix="none") == []
    assert queues.list_queues(max_results=2) == [url("Orders-c"), url("orders-a")]


@pytest.mark.parametrize("max_results", [0, 1001])
def test_list_queues_max_results_is_1_to_1000(queues: Queues, max_results: int) -> None:
    with fails(
        InvalidParameterValue,
        f"Value {max_results} for parameter MaxResults is invalid. Reason: MaxResults must be "
        "an integer between 1 and 1000.",
    ):
        queues.list_queues(max_results=max_results)


# -- GetQueueAttributes, SetQueueAttributes -----------------------------------------------


def test_a_new_queue_has_sqs_defaults(queues: Queues) -> None:
    queues.create_queue("orders")
    values = queues.get_queue_attributes(url("orders"))
    assert values["VisibilityTimeout"] == "30"
    assert values["MessageRetentionPeriod"] == "345600"
    assert values["DelaySeconds"] == "0"
    assert values["ReceiveMessageWaitTimeSeconds"] == "0"
    assert values["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:orders"
    assert values["CreatedTimestamp"] == str(START_MS // 1000)
    assert values["LastModifiedTimestamp"] == str(START_MS // 1000)
    assert counts(queues, "orders") == (0, 0, 0)
    assert "RedrivePolicy" not in values


def test_all_attributes_are_those_sqs_returns_for_the_queue_type_and_encryption(
    queues: Queues,
) -> None:
    # [api] GetQueueAttributes: KmsMasterKeyId and KmsDataKeyReusePeriodSeconds "apply only
    # to server-side-encryption" with a KMS key; FIFO attributes only on FIFO queues.
    standard = {
        "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
        "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod", "DelaySeconds",
        "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled",
    }  # fmt: skip
    queues.create_queue("orders")
    assert set(queues.get_queue_attributes(url("orders"))) == standard
    queues.create_queue("orders.fifo", {"FifoQueue": "true"})
    fifo = {"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}
    assert set(queues.get_queue_attributes(url("orders.fifo"))) == standard | fifo
    queues.set_queue_attributes(url("orders"), {"KmsMasterKeyId": "alias/aws/sqs"})
    values = queues.get_queue_attributes(url("orders"))
    assert set(values) == standard | {"KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"}
    assert (values["KmsDataKeyReusePeriodSeconds"], values["SqsManagedSseEnabled"]) == (
        "300",
        "false",
    )


def test_get_queue_attributes_returns_only_the_names_asked_for(queues: Queues) -> None:
    queues.create_queue("orders")
    wanted = ["VisibilityTimeout", "QueueArn"]
    assert queues.get_queue_attributes(url("orders"), wanted) == {
        "VisibilityTimeout": "30",
        "QueueArn": arn("orders"),
    }


def test_unknown_attribute_names_are_refused(queues: Queues) -> None:
    queues.create_queue("orders")
    message = "Unknown Attribute Colour."
    with fails(InvalidAttributeName, message):
        queues.get_queue_attributes(url("orders"), ["Colour"])
    with fails(InvalidAttributeName, message):
        queues.set_queue_attributes(url("orders"), {"Colour": "x"})
    with fails(InvalidAttributeName, message):
        queues.create_queue("other", {"Colour": "x"})


# (attribute, lowest, highest) as the CreateQueue / SetQueueAttributes references give them.
RANGES = [
    ("DelaySeconds", 0, 900),
    ("MaximumMessageSize", 1024, 1_048_576),
    ("MessageRetentionPeriod", 60, 1_209_600),
    ("ReceiveMessageWaitTimeSeconds", 0, 20),
    ("VisibilityTimeout", 0, 43_200),
    ("KmsDataKeyReusePeriodSeconds", 60, 86_400),
]


@pytest.mark.parametrize(("attribute", "lowest", "highest"), RANGES)
def test_integer_attribute_ranges(
    queues: Queues, attribute: str, lowest: int, highest: int
) -> None:
    queues.create_queue("low", {attribute: str(lowest)})
    queues.create_queue("high", {attribute: str(highest)})
    assert queues.get_queue_attributes(url("high"), [attribute]) == {attribute: str(highest)}
    message = f"Invalid value for the parameter {attribute}."
    for bad in [str(lowest - 1), str(highest + 1), "ten", ""]:
        with fails(InvalidAttributeValue, message):
            queues.create_queue("bad", {attribute: bad})
        with fails(InvalidAttributeValue, message):
            queues.set_queue_attributes(url("low"), {attribute: bad})
    queues.set_queue_attributes(url("low"), {attribute: str(highest)})
    assert queues.get_queue_attributes(url("low"), [attribute]) == {attribute: str(highest)}


def test_boolean_attributes_take_true_or_false(queues: Queues) -> None:
    queues.create_queue("orders", {"SqsManagedSseEnabled": "false"})
    with fails(InvalidAttributeValue, "Invalid value for the parameter SqsManagedSseEnabled."):
        queues.set_queue_attributes(url("orders"), {"SqsManagedSseEnabled": "yes"})


def test_set_queue_attributes_changes_the_value_and_last_modified(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders")
    clock.advance(seconds=10)
    queues.set_queue_attributes(url("orders"), {"VisibilityTimeout": "45"})
    values = queues.get_queue_attributes(url("orders"))
    assert values["VisibilityTimeout"] == "45"
    assert values["CreatedTimestamp"] == str(START_MS // 1000)
    assert values["LastModifiedTimestamp"] == str(START_MS // 1000 + 10)


def test_the_queue_type_cannot_be_changed(queues: Queues) -> None:
    queues.create_queue("orders")
    with fails(InvalidAttributeName, "Unknown Attribute FifoQueue."):
        queues.set_queue_attributes(url("orders"), {"FifoQueue": "true"})


def test_approximate_counts_of_visible_in_flight_and_delayed(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders")
    for body in ["a", "b", "c"]:
        queues.send_message(url("orders"), body)
    queues.send_message(url("orders"), "later", delay_seconds=60)
    queues.receive_message(url("orders"))
    assert counts(queues, "orders") == (2, 1, 1)
    clock.advance(seconds=60)
    assert counts(queues, "orders") == (4, 0, 0)


# -- tags ----------------------------------------------------------------------------------


def test_tags_on_create_tag_untag_list(queues: Queues) -> None:
    queues.create_queue("orders", tags={"team": "shop"})
    queues.tag_queue(url("orders"), {"env": "test", "team": "checkout"})
    assert queues.list_queue_tags(url("orders")) == {"team": "checkout", "env": "test"}
    queues.untag_queue(url("orders"), ["team", "absent"])
    assert queues.list_queue_tags(url("orders")) == {"env": "test"}


def test_at_most_50_tags(queues: Queues) -> None:
    queues.create_queue("orders")
    queues.tag_queue(url("orders"), {f"k{i}": "v" for i in range(50)})
    with fails(InvalidParameterValue, "Too many tags added for queue orders."):
        queues.tag_queue(url("orders"), {"one-more": "v"})
    assert len(queues.list_queue_tags(url("orders"))) == 50


# -- SendMessage, ReceiveMessage, DeleteMessage ----------------------------------------------


def test_send_receive_delete(queues: Queues) -> None:
    queues.create_queue("orders")
    body = '{"order": 1, "note": "café ✓"}'
    sent = queues.send_message(url("orders"), body)
    assert sent.md5_of_body == hashlib.md5(body.encode("utf-8")).hexdigest()
    assert sent.md5_of_attributes is None
    received = receive_one(queues, "orders")
    assert (received.message_id, received.body) == (sent.message_id, body)
    assert received.md5_of_body == sent.md5_of_body
    assert received.receipt_handle
    queues.delete_message(url("orders"), received.receipt_handle)
    assert counts(queues, "orders") == (0, 0, 0)
    assert queues.receive_message(url("orders")) == []


def test_receive_returns_messages_oldest_first_up_to_max_messages(queues: Queues) -> None:
    queues.create_queue("orders")
    bodies = [f"m{i}" for i in range(15)]
    for body in bodies:
        queues.send_message(url("orders"), body)
    first = queues.receive_message(url("orders"), max_messages=10)
    second = queues.receive_message(url("orders"), max_messages=10)
    assert [m.body for m in first + second] == bodies
    assert queues.receive_message(url("orders"), max_messages=10) == []


def _binary(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


MD5_SAMPLES = [
    pytest.param(
        {"timestamp": {"DataType": "Number", "StringValue": "1493147359900"}},
        "235c5c510d26fb653d073faed50ae77c",
        id="number",
    ),
    pytest.param(
        {
            "test_attribute_name_2": {
                "DataType": "String",
                "StringValue": "test_attribute_value_2",
            },
            "test_attribute_name_1": {
                "DataType": "String",
                "StringValue": "test_attribute_value_1",
            },
        },
        "d53f3b558fe951154770f25cb63dbba9",
        id="two-strings-sorted-by-name",
    ),
    pytest.param(
        {
            "test_attribute_name": {
                "DataType": "Binary",
                "BinaryValue": _binary("test_attribute_value"),
            }
        },
        "23f6bd27ea87aab7dfeadcc9aebee495",
        id="binary",
    ),
]


@pytest.mark.parametrize(("attributes", "digest"), MD5_SAMPLES)
def test_md5_of_message_attributes_matches_aws_samples(
    queues: Queues, attributes: Mapping[str, Any], digest: str
) -> None:
    queues.create_queue("orders")
    sent = queues.send_message(url("orders"), "body", message_attributes=attributes)
    assert sent.md5_of_attributes == digest
    received = receive_one(queues, "orders", message_attribute_names=["All"])
    assert received.message_attributes == attributes
    assert received.md5_of_attributes == digest


def test_receive_returns_only_the_message_attributes_asked_for(queues: Queues) -> None:
    queues.create_queue("orders")
    attributes = {
        "order.id": {"DataType": "String", "StringValue": "o-1"},
        "order.total": {"DataType": "Number", "StringValue": "12.5"},
        "region": {"DataType": "String", "StringValue": "eu"},
    }
    queues.send_message(url("orders"), "body", message_attributes=attributes)
    assert receive_one(queues, "orders", visibility_timeout=0).message_attributes == {}
    chosen = receive_one(
        queues, "orders", visibility_timeout=0, message_attribute_names=["order.*"]
    )
    assert set(chosen.message_attributes) == {"order.id", "order.total"}
    named = receive_one(queues, "orders", visibility_timeout=0, message_attribute_names=["region"])
    assert named.message_attributes == {"region": attributes["region"]}
    every = receive_one(queues, "orders", message_attribute_names=[".*"])
    assert every.message_attributes == attributes


def test_system_attributes_of_a_received_message(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "body")
    clock.advance(seconds=5)
    received = receive_one(queues, "orders", attribute_names=["All"])
    assert received.attributes["SentTimestamp"] == str(START_MS)
    assert received.attributes["ApproximateReceiveCount"] == "1"
    assert received.attributes["ApproximateFirstReceiveTimestamp"] == str(START_MS + 5000)
    assert received.attributes["SenderId"]
    assert "DeadLetterQueueSourceArn" not in received.attributes
    clock.advance(seconds=30)
    only = receive_one(queues, "orders", attribute_names=["ApproximateReceiveCount"])
    assert only.attributes == {"ApproximateReceiveCount": "2"}


def test_message_body_rules(queues: Queues) -> None:
    queues.create_queue("orders", {"MaximumMessageSize": "1024"})
    with fails(MissingParameter, "The request must contain the parameter MessageBody."):
        queues.send_message(url("orders"), "")
    with fails(
        InvalidMessageContents,
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
        "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
    ):
        queues.send_message(url("orders"), "bell \x07")
    queues.send_message(url("orders"), "é" * 512)  # 1024 bytes: at the limit
    with fails(
        InvalidParameterValue,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    ):
        queues.send_message(url("orders"), "x" * 1025)


def test_message_attributes_count_towards_the_message_size(queues: Queues) -> None:
    queues.create_queue("orders", {"MaximumMessageSize": "1024"})
    # name (1) + data type (6) + value (17) + body (1000) = 1024 bytes
    fits = {"a": {"DataType": "String", "StringValue": "v" * 17}}
    queues.send_message(url("orders"), "x" * 1000, message_attributes=fits)
    too_big = {"a": {"DataType": "String", "StringValue": "v" * 18}}
    with fails(
        InvalidParameterValue,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    ):
        queues.send_message(url("orders"), "x" * 1000, message_attributes=too_big)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (
            {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
            "Number of message attributes [11] exceeds the allowed maximum [10].",
        ),
        (
            {"AWS.trace": {"DataType": "String", "StringValue": "v"}},
            "Message attribute name 'AWS.trace' is invalid.",
        ),
        (
            {"a..b": {"DataType": "String", "StringValue": "v"}},
            "Message attribute name 'a..b' is invalid.",
        ),
        (
            {"a": {"DataType": "Text", "StringValue": "v"}},
            "The message attribute 'a' has an invalid message attribute type, the set of "
            "supported type prefixes is Binary, Number, and String.",
        ),
        (
            {"a": {"DataType": "String", "StringValue": ""}},
            "The message attribute 'a' must contain non-empty message attribute value for "
            "message attribute type 'String'.",
        ),
        (
            {"a": {"DataType": "Number", "StringValue": "twelve"}},
            "Can't cast the value of message (user) attribute 'a' to a number.",
        ),
        *(  # [md5] "up to 38 digits of precision, and ... between 10^-128 and 10^+126"
            (
                {"a": {"DataType": "Number", "StringValue": number}},
                "Can't cast the value of message (user) attribute 'a' to a number.",
            )
            for number in ("1e400", "1e127", "-1e-129", "Infinity", "NaN", "1" * 39)
        ),
        (
            {"a": {"DataType": "Binary", "BinaryValue": "not base64!"}},
            "The message attribute 'a' with type 'Binary' must hold base64-encoded binary data.",
        ),
    ],
)
def test_message_attribute_rules(
    queues: Queues, attributes: Mapping[str, Any], message: str
) -> None:
    queues.create_queue("orders")
    with fails(InvalidParameterValue, message):
        queues.send_message(url("orders"), "body", message_attributes=attributes)


@pytest.mark.parametrize("number", ["1e126", "-1e-128", "0", "1" * 38, "-12.50"])
def test_numbers_within_sqs_range_and_precision_are_accepted(queues: Queues, number: str) -> None:
    queues.create_queue("orders")
    attributes = {"n": {"DataType": "Number", "StringValue": number}}
    queues.send_message(url("orders"), "body", message_attributes=attributes)
    assert receive_one(queues, "orders", message_attribute_names=["All"]).message_attributes == (
        attributes
    )


@pytest.mark.parametrize("name", ["größe", "数量", "Ünit_2.v-1", "x" * 256])
def test_attribute_names_may_be_unicode_alphanumerics(queues: Queues, name: str) -> None:
    # [md5] Name: "can contain alphanumeric characters, hyphens (-), underscores (_), and
    # periods (.)", up to 256 characters.
    queues.create_queue("orders")
    attributes = {name: {"DataType": "String", "StringValue": "v"}}
    queues.send_message(url("orders"), "body", message_attributes=attributes)
    received = receive_one(queues, "orders", message_attribute_names=["All"])
    assert received.message_attributes == attributes


@pytest.mark.parametrize("name", ["with space", "a/b", "x" * 257, ".lead", "trail."])
def test_other_attribute_names_are_refused(queues: Queues, name: str) -> None:
    queues.create_queue("orders")
    with fails(InvalidParameterValue, f"Message attribute name '{name}' is invalid."):
        queues.send_message(
            url("orders"),
            "body",
            message_attributes={name: {"DataType": "String", "StringValue": "v"}},
        )


def test_a_bad_attribute_fails_only_its_batch_entry(queues: Queues) -> None:
    queues.create_queue("orders")
    result = queues.send_message_batch(
        url("orders"),
        [
            {"Id": "ok", "MessageBody": "kept"},
            {
                "Id": "binary",
                "MessageBody": "x",
                "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": "%%%"}},
            },
            {
                "Id": "number",
                "MessageBody": "y",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "1e400"}},
            },
        ],
    )
    assert [entry_id for entry_id, _ in result.successful] == ["ok"]
    assert sorted(failure.id for failure in result.failed) == ["binary", "number"]
    assert receive_one(queues, "orders").body == "kept"


def _out_of_range(name: str, value: int, low: int, high: int) -> str:
    return (
        f"Value {value} for parameter {name} is invalid. Reason: Must be between {low} and "
        f"{high}, if provided."
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_messages": 0}, _out_of_range("MaxNumberOfMessages", 0, 1, 10)),
        ({"max_messages": 11}, _out_of_range("MaxNumberOfMessages", 11, 1, 10)),
        ({"visibility_timeout": -1}, _out_of_range("VisibilityTimeout", -1, 0, 43200)),
        ({"visibility_timeout": 43201}, _out_of_range("VisibilityTimeout", 43201, 0, 43200)),
        ({"wait_time_seconds": 21}, _out_of_range("WaitTimeSeconds", 21, 0, 20)),
        ({"wait_time_seconds": -1}, _out_of_range("WaitTimeSeconds", -1, 0, 20)),
    ],
)
def test_receive_parameter_ranges(queues: Queues, options: dict[str, Any], message: str) -> None:
    queues.create_queue("orders")
    with fails(InvalidParameterValue, message):
        queues.receive_message(url("orders"), **options)


def test_delay_seconds_range_on_send(queues: Queues) -> None:
    queues.create_queue("orders")
    with fails(
        InvalidParameterValue,
        "Value 901 for parameter DelaySeconds is invalid. Reason: Must be between 0 and 900, "
        "if provided.",
    ):
        queues.send_message(url("orders"), "body", delay_seconds=901)


# -- DelaySeconds --------------------------------------------------------------------------


def test_the_queue_delay_holds_new_messages_back(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("orders", {"DelaySeconds": "5"})
    queues.send_message(url("orders"), "body")
    assert queues.receive_message(url("orders")) == []
    assert counts(queues, "orders") == (0, 0, 1)
    clock.advance(ms=4999)
    assert queues.receive_message(url("orders")) == []
    clock.advance(ms=1)
    assert receive_one(queues, "orders").body == "body"


def test_a_message_delay_overrides_the_queue_delay(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("orders", {"DelaySeconds": "10"})
    queues.send_message(url("orders"), "now", delay_seconds=0)
    queues.send_message(url("orders"), "soon", delay_seconds=3)
    assert receive_one(queues, "orders").body == "now"
    clock.advance(seconds=3)
    assert receive_one(queues, "orders").body == "soon"


# -- visibility timeout ----------------------------------------------------------------------


def test_a_received_message_is_invisible_until_its_visibility_timeout_passes(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "body")
    first = receive_one(queues, "orders", attribute_names=["All"])
    assert queues.receive_message(url("orders")) == []
    assert counts(queues, "orders") == (0, 1, 0)
    clock.advance(ms=29_999)
    assert queues.receive_message(url("orders")) == []
    clock.advance(ms=1)
    again = receive_one(queues, "orders", attribute_names=["All"])
    assert again.message_id == first.message_id
    assert again.receipt_handle != first.receipt_handle
    assert again.attributes["ApproximateReceiveCount"] == "2"
    assert again.attributes["ApproximateFirstReceiveTimestamp"] == str(START_MS)


def test_deleting_with_a_stale_receipt_handle_does_not_delete(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "body")
    stale = receive_one(queues, "orders").receipt_handle
    clock.advance(seconds=30)
    fresh = receive_one(queues, "orders").receipt_handle
    queues.delete_message(url("orders"), stale)  # succeeds, deletes nothing
    assert counts(queues, "orders") == (0, 1, 0)
    queues.delete_message(url("orders"), fresh)
    assert counts(queues, "orders") == (0, 0, 0)
    queues.delete_message(url("orders"), fresh)  # a deleted message's handle: still succeeds


def test_receive_visibility_timeout_overrides_the_queue_default(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders", {"VisibilityTimeout": "100"})
    queues.send_message(url("orders"), "body")
    receive_one(queues, "orders", visibility_timeout=5)
    clock.advance(seconds=5)
    receive_one(queues, "orders")  # now with the queue's 100 s
    clock.advance(seconds=99)
    assert queues.receive_message(url("orders")) == []


@pytest.mark.parametrize("handle", ["not-a-handle", "", base64.urlsafe_b64encode(b"x").decode()])
def test_malformed_receipt_handles_are_invalid(queues: Queues, handle: str) -> None:
    queues.create_queue("orders")
    message = f'The input receipt handle "{handle}" is not a valid receipt handle.'
    with fails(ReceiptHandleIsInvalid, message):
        queues.delete_message(url("orders"), handle)
    with fails(ReceiptHandleIsInvalid, message):
        queues.change_message_visibility(url("orders"), handle, 10)


def test_a_receipt_handle_of_another_queue_is_invalid(queues: Queues) -> None:
    queues.create_queue("orders")
    queues.create_queue("payments")
    queues.send_message(url("orders"), "body")
    handle = receive_one(queues, "orders").receipt_handle
    with fails(
        ReceiptHandleIsInvalid,
        f'The input receipt handle "{handle}" is not a valid receipt handle.',
    ):
        queues.delete_message(url("payments"), handle)


# -- ChangeMessageVisibility ----------------------------------------------------------------


def test_change_message_visibility_counts_from_the_call(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "body")
    handle = receive_one(queues, "orders").receipt_handle
    clock.advance(seconds=10)
    queues.change_message_visibility(url("orders"), handle, 60)
    clock.advance(ms=59_999)
    assert queues.receive_message(url("orders")) == []
    clock.advance(ms=1)
    assert receive_one(queues, "orders").body == "body"


def test_change_message_visibility_to_zero_makes_it_visible_now(queues: Queues) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "body")
    handle = receive_one(queues, "orders").receipt_handle
    queues.change_message_visibility(url("orders"), handle, 0)
    assert counts(queues, "orders") == (1, 0, 0)
    assert (
        receive_one(queues, "orders", attribute_names=["All"]).attributes["ApproximateReceiveCount"]
        == "2"
    )


def test_change_message_visibility_of_a_message_not_in_flight(
    queues: Queues, clock: ManualClock
) -> None:
    # [api] ChangeMessageVisibility errors: MessageNotInflight "The specified message isn't
    # in flight"; a receipt handle that no longer names a receive of the message (received
    # again since, or deleted) is an invalid ReceiptHandle value.
    queues.create_queue("orders")
    queues.send_message(url("orders"), "body")
    handle = receive_one(queues, "orders").receipt_handle
    clock.advance(seconds=30)  # its visibility timeout has passed
    with fails(MessageNotInflight, NOT_IN_FLIGHT):
        queues.change_message_visibility(url("orders"), handle, 10)
    fresh = receive_one(queues, "orders").receipt_handle  # received again: the old handle is stale
    with fails(InvalidParameterValue, stale(handle)):
        queues.change_message_visibility(url("orders"), handle, 10)
    queues.change_message_visibility(url("orders"), fresh, 0)  # to 0: visible again at once
    with fails(MessageNotInflight, NOT_IN_FLIGHT):
        queues.change_message_visibility(url("orders"), fresh, 10)  # and back: not in flight
    again = receive_one(queues, "orders").receipt_handle
    queues.delete_message(url("orders"), again)
    with fails(InvalidParameterValue, stale(again)):
        queues.change_message_visibility(url("orders"), again, 10)


def stale(handle: str) -> str:
    return (
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist "
        "or is not available for visibility timeout change."
    )


def test_change_message_visibility_timeout_range(queues: Queues) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "body")
    handle = receive_one(queues, "orders").receipt_handle
    with fails(
        InvalidParameterValue,
        "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and "
        "43200, if provided.",
    ):
        queues.change_message_visibility(url("orders"), handle, 43_201)


def test_visibility_cannot_be_extended_beyond_12_hours_from_the_receive(
    queues: Queues, clock: ManualClock
) -> None:
    # [api] ChangeMessageVisibility: "The maximum visibility timeout is 12 hours from the
    # time the message is received ... If you try to extend beyond 12 hours, the request
    # will be rejected."
    queues.create_queue("orders")
    queues.send_message(url("orders"), "body")
    handle = receive_one(queues, "orders").receipt_handle
    clock.advance(seconds=10)
    with fails(
        InvalidParameterValue,
        "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout "
        "for the message is beyond the limit [43200 seconds].",
    ):
        queues.change_message_visibility(url("orders"), handle, 43_200)  # 10 s + 12 h in all
    queues.change_message_visibility(url("orders"), handle, 43_190)  # exactly 12 h in all
    clock.advance(seconds=43_189)
    with pytest.raises(InvalidParameterValue):
        queues.change_message_visibility(url("orders"), handle, 2)
    queues.change_message_visibility(url("orders"), handle, 1)


def test_a_new_receive_starts_a_new_12_hours(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("orders", {"VisibilityTimeout": "60"})
    queues.send_message(url("orders"), "body")
    receive_one(queues, "orders")
    clock.advance(seconds=60)
    handle = receive_one(queues, "orders").receipt_handle  # received again
    queues.change_message_visibility(url("orders"), handle, 43_200)


# -- batch operations -----------------------------------------------------------------------

BATCH_OPERATIONS = [
    pytest.param("send_message_batch", "SendMessageBatchRequestEntry", id="send"),
    pytest.param("delete_message_batch", "DeleteMessageBatchRequestEntry", id="delete"),
    pytest.param(
        "change_message_visibility_batch",
        "ChangeMessageVisibilityBatchRequestEntry",
        id="visibility",
    ),
]


def _entry(entry_id: str) -> dict[str, Any]:
    return {"Id": entry_id, "MessageBody": "b", "ReceiptHandle": "h", "VisibilityTimeout": 0}


@pytest.mark.parametrize(("operation", "kind"), BATCH_OPERATIONS)
def test_batch_request_checks(queues: Queues, operation: str, kind: str) -> None:
    queues.create_queue("orders")
    call = getattr(queues, operation)
    with fails(EmptyBatchRequest, f"There should be at least one {kind} in the request."):
        call(url("orders"), [])
    with fails(
        TooManyEntriesInBatchRequest,
        "Maximum number of entries per request are 10. You have sent 11.",
    ):
        call(url("orders"), [_entry(f"e{i}") for i in range(11)])
    with fails(BatchEntryIdsNotDistinct, "Id e1 repeated."):
        call(url("orders"), [_entry("e1"), _entry("e2"), _entry("e1")])
    bad_id = (
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
        "It can be at most 80 letters long."
    )
    for entry_id in ["has space", "x" * 81, ""]:
        with fails(InvalidBatchEntryId, bad_id):
            call(url("orders"), [_entry(entry_id)])
    assert counts(queues, "orders") == (0, 0, 0)


def test_send_message_batch_reports_each_entry(queues: Queues) -> None:
    queues.create_queue("orders")
    result = queues.send_message_batch(
        url("orders"),
        [
            {"Id": "ok-1", "MessageBody": "first"},
            {"Id": "late", "MessageBody": "bad", "DelaySeconds": 901},
            {"Id": "empty", "MessageBody": ""},
            {
                "Id": "ok-2",
                "MessageBody": "second",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "1"}},
            },
        ],
    )
    assert [entry_id for entry_id, _ in result.successful] == ["ok-1", "ok-2"]
    sent = dict(result.successful)
    assert sent["ok-1"].md5_of_body == hashlib.md5(b"first").hexdigest()
    assert sent["ok-2"].md5_of_attributes is not None
    failed = {failure.id: failure for failure in result.failed}
    assert set(failed) == {"late", "empty"}
    assert failed["late"].code == InvalidParameterValue.code
    assert failed["late"].message == (
        "Value 901 for parameter DelaySeconds is invalid. Reason: Must be between 0 and 900, "
        "if provided."
    )
    assert failed["empty"].code == MissingParameter.code
    assert all(failure.sender_fault for failure in result.failed)
    bodies = [m.body for m in queues.receive_message(url("orders"), max_messages=10)]
    assert bodies == ["first", "second"]


def test_send_message_batch_longer_than_one_mib_is_refused(queues: Queues) -> None:
    queues.create_queue("orders")
    entries = [{"Id": f"e{i}", "MessageBody": "x" * 250_000} for i in range(5)]
    with pytest.raises(BatchRequestTooLong):
        queues.send_message_batch(url("orders"), entries)
    assert counts(queues, "orders") == (0, 0, 0)


def test_a_batch_may_be_longer_than_the_queue_maximum_message_size(queues: Queues) -> None:
    queues.create_queue("orders", {"MaximumMessageSize": "1024"})
    entries = [{"Id": f"e{i}", "MessageBody": "x" * 600} for i in range(2)]
    result = queues.send_message_batch(url("orders"), entries)
    assert len(result.successful) == 2


def test_delete_message_batch_reports_each_entry(queues: Queues) -> None:
    queues.create_queue("orders")
    for body in ["a", "b"]:
        queues.send_message(url("orders"), body)
    received = queues.receive_message(url("orders"), max_messages=10)
    result = queues.delete_message_batch(
        url("orders"),
        [
            {"Id": "first", "ReceiptHandle": received[0].receipt_handle},
            {"Id": "garbage", "ReceiptHandle": "garbage"},
            {"Id": "second", "ReceiptHandle": received[1].receipt_handle},
        ],
    )
    assert [entry_id for entry_id, _ in result.successful] == ["first", "second"]
    assert [(f.id, f.code, f.sender_fault) for f in result.failed] == [
        ("garbage", "ReceiptHandleIsInvalid", True)
    ]
    assert (
        result.failed[0].message
        == 'The input receipt handle "garbage" is not a valid receipt handle.'
    )
    assert counts(queues, "orders") == (0, 0, 0)


def test_change_message_visibility_batch_reports_each_entry(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "a")
    handle = receive_one(queues, "orders").receipt_handle
    result = queues.change_message_visibility_batch(
        url("orders"),
        [
            {"Id": "ok", "ReceiptHandle": handle, "VisibilityTimeout": 300},
            {"Id": "bad", "ReceiptHandle": "garbage", "VisibilityTimeout": 300},
        ],
    )
    assert [entry_id for entry_id, _ in result.successful] == ["ok"]
    assert [(f.id, f.code) for f in result.failed] == [("bad", "ReceiptHandleIsInvalid")]
    clock.advance(seconds=299)
    assert queues.receive_message(url("orders")) == []
    clock.advance(seconds=1)
    assert receive_one(queues, "orders").body == "a"


# -- retention -------------------------------------------------------------------------------


def test_messages_older_than_the_retention_period_disappear(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders", {"MessageRetentionPeriod": "60"})
    queues.send_message(url("orders"), "old")
    receive_one(queues, "orders", visibility_timeout=0)
    clock.advance(seconds=30)
    queues.send_message(url("orders"), "young")
    clock.advance(seconds=30)
    assert [
        m.body for m in queues.receive_message(url("orders"), max_messages=10, visibility_timeout=0)
    ] == ["old", "young"]
    clock.advance(seconds=1)  # "old" is now older than 60 s, received or not
    assert [m.body for m in queues.receive_message(url("orders"), max_messages=10)] == ["young"]
    clock.advance(seconds=60)
    assert queues.receive_message(url("orders")) == []
    assert counts(queues, "orders") == (0, 0, 0)


def test_a_dead_letter_message_keeps_its_original_enqueue_time(
    queues: Queues, clock: ManualClock
) -> None:
    """[dlq]: for standard queues, expiry is based on the original enqueue timestamp."""
    queues.create_queue("dlq", {"MessageRetentionPeriod": "120"})
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 1)})
    queues.send_message(url("orders"), "body")
    receive_one(queues, "orders")
    clock.advance(seconds=30)
    assert queues.receive_message(url("orders")) == []  # moved to the DLQ
    moved = receive_one(queues, "dlq", attribute_names=["SentTimestamp"], visibility_timeout=0)
    assert moved.attributes["SentTimestamp"] == str(START_MS)
    clock.advance(seconds=90, ms=1)  # 120 s after it was first sent
    assert queues.receive_message(url("dlq")) == []


# -- PurgeQueue ------------------------------------------------------------------------------


def test_purge_queue_removes_every_message_once_a_minute(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders")
    queues.send_message(url("orders"), "visible")
    queues.send_message(url("orders"), "delayed", delay_seconds=100)
    queues.send_message(url("orders"), "in flight")
    queues.receive_message(url("orders"))
    queues.purge_queue(url("orders"))
    assert counts(queues, "orders") == (0, 0, 0)
    queues.send_message(url("orders"), "after")
    clock.advance(ms=59_999)
    with fails(
        PurgeQueueInProgress, "Only one PurgeQueue operation on orders is allowed every 60 seconds."
    ):
        queues.purge_queue(url("orders"))
    assert receive_one(queues, "orders").body == "after"
    clock.advance(ms=1)
    queues.purge_queue(url("orders"))
    assert counts(queues, "orders") == (0, 0, 0)


# -- RedrivePolicy and dead-letter queues ------------------------------------------------------


def test_after_max_receive_count_receives_the_next_receive_moves_it_to_the_dlq(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("dlq")
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 2)})
    sent = queues.send_message(
        url("orders"),
        "poison",
        message_attributes={"kind": {"DataType": "String", "StringValue": "test"}},
    )
    for count in ["1", "2"]:
        got = receive_one(queues, "orders", attribute_names=["ApproximateReceiveCount"])
        assert got.attributes["ApproximateReceiveCount"] == count
        clock.advance(seconds=30)
    assert queues.receive_message(url("orders")) == []
    assert counts(queues, "orders") == (0, 0, 0)
    assert counts(queues, "dlq") == (1, 0, 0)
    moved = receive_one(queues, "dlq", attribute_names=["All"], message_attribute_names=["All"])
    assert (moved.message_id, moved.body) == (sent.message_id, "poison")
    assert moved.attributes["DeadLetterQueueSourceArn"] == arn("orders")
    assert moved.message_attributes == {"kind": {"DataType": "String", "StringValue": "test"}}


def test_a_receive_that_moves_messages_to_the_dlq_never_returns_a_message_twice(
    queues: Queues,
) -> None:
    queues.create_queue("dlq")
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 1)})
    queues.send_message(url("orders"), "spent")
    receive_one(queues, "orders", visibility_timeout=0)  # receive count 1: spent
    queues.send_message(url("orders"), "fresh")
    received = queues.receive_message(url("orders"), max_messages=10)
    assert [m.body for m in received] == ["fresh"]


def test_max_receive_count_may_be_given_as_a_string(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("dlq")
    policy = json.dumps({"deadLetterTargetArn": arn("dlq"), "maxReceiveCount": "1"})
    queues.create_queue("orders", {"RedrivePolicy": policy})
    queues.send_message(url("orders"), "body")
    receive_one(queues, "orders")
    clock.advance(seconds=30)
    assert queues.receive_message(url("orders")) == []
    assert counts(queues, "dlq") == (1, 0, 0)


def test_the_dead_letter_queue_must_exist(queues: Queues) -> None:
    policy = redrive("missing", 3)
    with fails(
        InvalidParameterValue,
        f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead letter target "
        "does not exist.",
    ):
        queues.create_queue("orders", {"RedrivePolicy": policy})


@pytest.mark.parametrize(
    ("source", "source_attributes", "dlq", "dlq_attributes"),
    [
        ("orders.fifo", {"FifoQueue": "true"}, "dlq", {}),
        ("orders", {}, "dlq.fifo", {"FifoQueue": "true"}),
    ],
)
def test_the_dead_letter_queue_must_be_the_same_type(
    queues: Queues,
    source: str,
    source_attributes: dict[str, str],
    dlq: str,
    dlq_attributes: dict[str, str],
) -> None:
    queues.create_queue(dlq, dlq_attributes)
    policy = redrive(dlq, 3)
    with fails(
        InvalidParameterValue,
        f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must "
        "be same type of queue as the source.",
    ):
        queues.create_queue(source, {**source_attributes, "RedrivePolicy": policy})


def test_redrive_policy_checks(queues: Queues) -> None:
    queues.create_queue("dlq")
    with fails(
        InvalidAttributeValue,
        "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid "
        "JSON map.",
    ):
        queues.create_queue("orders", {"RedrivePolicy": "{not json"})
    missing = json.dumps({"deadLetterTargetArn": arn("dlq")})
    with fails(
        InvalidAttributeValue,
        f"Value {missing} for parameter RedrivePolicy is invalid. Reason: Redrive policy does "
        "not contain mandatory attribute: maxReceiveCount.",
    ):
        queues.create_queue("orders", {"RedrivePolicy": missing})
    for count in [0, 1001]:
        policy = redrive("dlq", count)
        with fails(
            InvalidAttributeValue,
            f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            f"maxReceiveCount: {count}, valid values are from 1 to 1000 both inclusive.",
        ):
            queues.create_queue("orders", {"RedrivePolicy": policy})
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 1000)})


def test_an_empty_redrive_policy_removes_it(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("dlq")
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 1)})
    queues.set_queue_attributes(url("orders"), {"RedrivePolicy": ""})
    assert "RedrivePolicy" not in queues.get_queue_attributes(url("orders"))
    assert queues.list_dead_letter_source_queues(url("dlq")) == []
    queues.send_message(url("orders"), "body")
    for _ in range(3):
        receive_one(queues, "orders")
        clock.advance(seconds=30)
    assert counts(queues, "dlq") == (0, 0, 0)


def _not_allowed(source: str, dlq: str) -> str:
    return (
        f"Value {redrive(dlq, 3)} for parameter RedrivePolicy is invalid. Reason: Queue "
        f"{arn(source)} is not allowed to use {arn(dlq)} as its dead-letter queue (see its "
        "RedriveAllowPolicy)."
    )


def test_redrive_allow_policy_deny_all(queues: Queues) -> None:
    queues.create_queue("dlq", {"RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})
    with fails(InvalidParameterValue, _not_allowed("orders", "dlq")):
        queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 3)})
    queues.create_queue("orders")
    with fails(InvalidParameterValue, _not_allowed("orders", "dlq")):
        queues.set_queue_attributes(url("orders"), {"RedrivePolicy": redrive("dlq", 3)})


def test_redrive_allow_policy_by_queue(queues: Queues) -> None:
    allow = {"redrivePermission": "byQueue", "sourceQueueArns": [arn("orders")]}
    queues.create_queue("dlq", {"RedriveAllowPolicy": json.dumps(allow)})
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 3)})
    with fails(InvalidParameterValue, _not_allowed("payments", "dlq")):
        queues.create_queue("payments", {"RedrivePolicy": redrive("dlq", 3)})


def test_redrive_allow_policy_checks(queues: Queues) -> None:
    eleven = json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [arn(f"q{i}") for i in range(11)]}
    )
    with fails(
        InvalidAttributeValue,
        f"Value {eleven} for parameter RedriveAllowPolicy is invalid. Reason: sourceQueueArns "
        "must list 1 to 10 queue ARNs when redrivePermission is byQueue.",
    ):
        queues.create_queue("dlq", {"RedriveAllowPolicy": eleven})
    odd = json.dumps({"redrivePermission": "some"})
    with fails(
        InvalidAttributeValue,
        f"Value {odd} for parameter RedriveAllowPolicy is invalid. Reason: Invalid value for "
        "redrivePermission.",
    ):
        queues.create_queue("dlq", {"RedriveAllowPolicy": odd})


def test_list_dead_letter_source_queues(queues: Queues) -> None:
    queues.create_queue("dlq")
    queues.create_queue("payments", {"RedrivePolicy": redrive("dlq", 3)})
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 5)})
    queues.create_queue("other")
    assert queues.list_dead_letter_source_queues(url("dlq")) == [url("orders"), url("payments")]
    assert queues.list_dead_letter_source_queues(url("other")) == []
    with fails(QueueDoesNotExist, "The specified queue does not exist."):
        queues.list_dead_letter_source_queues(url("missing"))


# -- StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask ---------------------------


def _fill_dlq(queues: Queues, clock: ManualClock, bodies: list[str]) -> dict[str, str]:
    """Send ``bodies`` to "orders" and let them fail into "dlq"; their ids by body."""
    queues.create_queue("dlq")
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 1)})
    ids = {}
    for body in bodies:
        attributes = {"body": {"DataType": "String", "StringValue": body}}
        ids[body] = queues.send_message(
            url("orders"), body, message_attributes=attributes
        ).message_id
    queues.receive_message(url("orders"), max_messages=10)
    clock.advance(seconds=30)
    assert queues.receive_message(url("orders"), max_messages=10) == []
    assert counts(queues, "dlq") == (len(bodies), 0, 0)
    return ids


def test_a_move_task_returns_dead_letters_to_their_source(
    queues: Queues, clock: ManualClock
) -> None:
    ids = _fill_dlq(queues, clock, ["a", "b", "c"])
    handle = queues.start_message_move_task(arn("dlq"))
    assert counts(queues, "dlq") == (0, 0, 0)
    back = queues.receive_message(
        url("orders"), max_messages=10, attribute_names=["All"], message_attribute_names=["All"]
    )
    assert sorted(m.body for m in back) == ["a", "b", "c"]
    for message in back:
        assert message.message_id != ids[message.body]  # a new message id
        assert message.attributes["ApproximateReceiveCount"] == "1"  # counting starts over
        assert "DeadLetterQueueSourceArn" not in message.attributes
        assert message.message_attributes["body"]["StringValue"] == message.body
    [task] = queues.list_message_move_tasks(arn("dlq"))
    assert (task.handle, task.status, task.to_move, task.moved) == (handle, "COMPLETED", 3, 3)
    with fails(UnsupportedOperation, "Only a running task can be cancelled."):
        queues.cancel_message_move_task(handle)


def test_a_move_task_to_an_explicit_destination(queues: Queues, clock: ManualClock) -> None:
    _fill_dlq(queues, clock, ["a", "b"])
    queues.create_queue("replay")
    queues.start_message_move_task(arn("dlq"), arn("replay"))
    assert counts(queues, "replay") == (2, 0, 0)
    assert counts(queues, "orders") == (0, 0, 0)


def test_the_source_of_a_move_task_must_be_a_dead_letter_queue(queues: Queues) -> None:
    queues.create_queue("orders")
    with fails(InvalidParameterValue, "Source queue must be configured as a Dead Letter Queue."):
        queues.start_message_move_task(arn("orders"))
    with fails(
        ResourceNotFound,
        "The resource that you specified for the SourceArn parameter doesn't exist.",
    ):
        queues.start_message_move_task(arn("missing"))


def test_one_running_move_task_per_source(queues: Queues, clock: ManualClock) -> None:
    _fill_dlq(queues, clock, ["a"])
    first = queues.start_message_move_task(arn("dlq"), run=False)
    with fails(
        UnsupportedOperation,
        "There is already a task running. Only one active task is allowed for a source queue "
        "arn at a given time.",
    ):
        queues.start_message_move_task(arn("dlq"))
    cancelled = queues.cancel_message_move_task(first)
    assert cancelled.status == "CANCELLED"
    assert counts(queues, "dlq") == (1, 0, 0)  # nothing moved
    clock.advance(seconds=1)
    second = queues.start_message_move_task(arn("dlq"))
    tasks = queues.list_message_move_tasks(arn("dlq"), max_results=10)
    assert [(t.handle, t.status) for t in tasks] == [(second, "COMPLETED"), (first, "CANCELLED")]
    assert queues.list_message_move_tasks(arn("dlq")) == tasks[:1]


# -- long polling (real time) -------------------------------------------------------------------


def test_long_polling_an_empty_queue_waits_then_returns_nothing(store: EngineStore) -> None:
    queues = Queues(store, SystemClock())
    queues.create_queue("orders")
    started = time.monotonic()
    assert queues.receive_message(url("orders"), wait_time_seconds=1) == []
    assert 0.9 <= time.monotonic() - started < 3


def test_long_polling_returns_a_message_sent_while_waiting(store: EngineStore) -> None:
    queues = Queues(store, SystemClock())
    queues.create_queue("orders")
    sender = threading.Timer(0.2, lambda: queues.send_message(url("orders"), "late"))
    started = time.monotonic()
    sender.start()
    try:
        received = queues.receive_message(url("orders"), wait_time_seconds=10)
    finally:
        sender.join()
    assert [m.body for m in received] == ["late"]
    assert time.monotonic() - started < 2


# -- receiving inside the caller's transaction -------------------------------------------------


class _Abandon(Exception):
    pass


def test_a_receive_in_a_transaction_counts_only_if_that_transaction_commits(
    queues: Queues,
) -> None:
    queues.create_queue("dlq")
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 2)})
    queues.send_message(url("orders"), "first")
    with pytest.raises(_Abandon), queues.store.transaction() as tx:
        (received,) = queues.receive_message_in(
            tx, url("orders"), max_messages=10, attribute_names=["ApproximateReceiveCount"]
        )
        assert received.body == "first"
        raise _Abandon  # a handler failed: the whole transaction rolls back
    assert counts(queues, "orders") == (1, 0, 0)  # never received
    with queues.store.transaction() as tx:
        (received,) = queues.receive_message_in(
            tx, url("orders"), attribute_names=["ApproximateReceiveCount"]
        )
    assert received.attributes["ApproximateReceiveCount"] == "1"
    assert counts(queues, "orders") == (0, 1, 0)
    queues.change_message_visibility(url("orders"), received.receipt_handle, 0)
    with queues.store.transaction() as tx:
        (again,) = queues.receive_message_in(
            tx, url("orders"), attribute_names=["ApproximateReceiveCount"]
        )
        queues.delete_message_batch_in(
            tx, url("orders"), [{"Id": "0", "ReceiptHandle": again.receipt_handle}]
        )
    assert again.attributes["ApproximateReceiveCount"] == "2"
    assert counts(queues, "orders") == (0, 0, 0)


def test_a_receive_in_a_transaction_moves_spent_messages_to_the_dlq(queues: Queues) -> None:
    queues.create_queue("dlq")
    queues.create_queue("orders", {"RedrivePolicy": redrive("dlq", 1)})
    queues.send_message(url("orders"), "poison")
    with queues.store.transaction() as tx:
        (received,) = queues.receive_message_in(tx, url("orders"))
    queues.change_message_visibility(url("orders"), received.receipt_handle, 0)
    with queues.store.transaction() as tx:
        assert queues.receive_message_in(tx, url("orders"), max_messages=10) == []
    assert counts(queues, "orders") == (0, 0, 0)
    assert [m.body for m in queues.receive_message(url("dlq"))] == ["poison"]


def test_a_receive_in_a_transaction_drops_messages_past_the_retention_period(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders", {"MessageRetentionPeriod": "60"})
    queues.send_message(url("orders"), "old")
    clock.advance(seconds=30)
    queues.send_message(url("orders"), "young")
    clock.advance(seconds=31)
    with queues.store.transaction() as tx:
        received = queues.receive_message_in(tx, url("orders"), max_messages=10)
    assert [m.body for m in received] == ["young"]
    assert counts(queues, "orders") == (0, 1, 0)


def test_a_receive_in_a_transaction_checks_its_parameters(queues: Queues) -> None:
    queues.create_queue("orders")
    with queues.store.transaction() as tx, pytest.raises(InvalidParameterValue):
        queues.receive_message_in(tx, url("orders"), max_messages=11)


def test_waiting_for_messages_receives_none(store: EngineStore) -> None:
    queues = Queues(store, SystemClock())
    queues.create_queue("orders")
    started = time.monotonic()
    assert queues.wait_for_messages(url("orders"), wait_time_seconds=1) == []
    assert 0.9 <= time.monotonic() - started < 3
    sender = threading.Timer(0.2, lambda: queues.send_message(url("orders"), "late"))
    sender.start()
    try:
        (visible,) = queues.wait_for_messages(url("orders"), wait_time_seconds=10)
    finally:
        sender.join()
    assert visible.body == "late"
    assert counts(queues, "orders") == (1, 0, 0)  # still there, still visible
    queues.send_message(url("orders"), "later", delay_seconds=60)
    queues.send_message(url("orders"), "next")
    visible_now = queues.wait_for_messages(url("orders"), wait_time_seconds=0, max_messages=10)
    assert [m.body for m in visible_now] == ["late", "next"]  # not the delayed one


# -- concurrency ---------------------------------------------------------------------------------


def test_concurrent_receivers_each_get_a_message_exactly_once(queues: Queues) -> None:
    queues.create_queue("orders")
    sent: set[str] = set()
    for start in range(0, 200, 10):
        entries = [{"Id": f"e{i}", "MessageBody": f"m{start + i}"} for i in range(10)]
        sent |= {
            s.message_id for _, s in queues.send_message_batch(url("orders"), entries).successful
        }
    barrier = threading.Barrier(8)
    received: list[list[str]] = [[] for _ in range(8)]

    def receive(slot: int) -> None:
        barrier.wait()
        while batch := queues.receive_message(url("orders"), max_messages=10):
            received[slot].extend(m.message_id for m in batch)

    threads = [threading.Thread(target=receive, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [message_id for ids in received for message_id in ids]
    assert len(every) == len(sent) == 200
    assert set(every) == sent


# -- the storage port beneath the queues -------------------------------------------------


def _queue(name: str) -> QueueRecord:
    return QueueRecord(name, {"VisibilityTimeout": "30"}, START_MS, START_MS)


def test_a_transaction_that_raises_changes_nothing(store: EngineStore) -> None:
    with store.transaction() as tx:
        tx.save_queue(_queue("orders"))
        tx.add_messages([NewMessage("orders", "m1", "body", START_MS, START_MS)])

    class Boom(Exception):
        pass

    with store.reader() as tx:
        [m1] = tx.oldest_messages("orders", 10)
    with pytest.raises(Boom), store.transaction() as tx:
        tx.mark_received([Reception(m1.seq, START_MS + 30_000, 1, START_MS, "handle")])
        tx.add_messages([NewMessage("orders", "m2", "body", START_MS, START_MS)])
        tx.save_queue(_queue("payments"))
        tx.save_move_task(MoveTask("task", "orders", None, "RUNNING", START_MS, 1))
        tx.delete_queue("orders")
        raise Boom
    with store.reader() as tx:
        assert tx.list_queues() == [_queue("orders")]
        assert tx.oldest_messages("orders", 10) == [m1]
        assert tx.message(m1.seq) == m1
        assert tx.receipt_handles([m1.seq]) == {m1.seq: None}
        assert tx.move_tasks("orders") == []
        assert tx.counts("orders", START_MS).visible == 1


def test_sequence_numbers_follow_the_sending_order(store: EngineStore) -> None:
    with store.transaction() as tx:
        tx.save_queue(_queue("orders"))
        tx.add_messages([NewMessage("orders", f"m{i}", "b", START_MS, START_MS) for i in range(3)])
    with store.transaction() as tx:
        tx.add_messages([NewMessage("orders", "m3", "b", START_MS, START_MS - 1)])
    with store.reader() as tx:
        oldest = tx.oldest_messages("orders", 10)
        assert [m.message_id for m in oldest] == ["m0", "m1", "m2", "m3"]
        seqs = [m.seq for m in oldest]
        assert seqs == sorted(set(seqs))
        # visible ones, longest-waiting first: by visibility time, then sending order
        visible = tx.visible_messages("orders", START_MS, 3)
        assert [m.message_id for m in visible] == ["m3", "m0", "m1"]


def test_the_queue_counts_of_the_port(store: EngineStore) -> None:
    with store.transaction() as tx:
        tx.save_queue(_queue("orders"))
        tx.add_messages(
            [
                NewMessage("orders", "visible", "b", START_MS + 5, START_MS),
                NewMessage("orders", "delayed", "b", START_MS + 1, START_MS + 60_000),
                NewMessage("orders", "flying", "b", START_MS + 2, START_MS),
            ]
        )
        flying = tx.oldest_messages("orders", 10)[2]
        assert flying.message_id == "flying"
        tx.mark_received([Reception(flying.seq, START_MS + 30_000, 1, START_MS, "h")])
    with store.reader() as tx:
        got = tx.counts("orders", START_MS)
        assert (got.visible, got.in_flight, got.delayed, got.oldest_sent_ms) == (
            1,
            1,
            1,
            START_MS + 1,
        )
    with store.transaction() as tx:
        assert tx.expire("orders", START_MS + 2) == 1
        assert tx.purge("orders") == 2
        assert tx.counts("orders", START_MS).oldest_sent_ms is None


def test_a_queue_signal_moves_when_messages_are_added_and_otherwise_waits_out(
    store: EngineStore,
) -> None:
    with store.transaction() as tx:
        tx.save_queue(_queue("orders"))
    seen = store.queue_signal("orders")
    started = time.monotonic()
    store.wait_for_signal("orders", seen, 0.2)
    assert time.monotonic() - started >= 0.15

    def commit() -> None:
        with store.transaction() as tx:
            tx.add_messages([NewMessage("orders", "m", "b", START_MS, START_MS)])

    writer = threading.Timer(0.1, commit)
    started = time.monotonic()
    writer.start()
    try:
        store.wait_for_signal("orders", seen, 5)
    finally:
        writer.join()
    assert time.monotonic() - started < 2
    assert store.queue_signal("orders") != seen


def test_a_visibility_change_moves_every_queue_signal(store: EngineStore) -> None:
    with store.transaction() as tx:
        tx.save_queue(_queue("orders"))
        tx.add_messages([NewMessage("orders", "m", "b", START_MS, START_MS + 60_000)])
    seen = store.queue_signal("orders")
    with store.transaction() as tx:
        (message,) = tx.oldest_messages("orders", 1)
        tx.set_visible_at(message.seq, START_MS)
    assert store.queue_signal("orders") != seen


def test_a_closed_store_refuses_transactions(store: EngineStore) -> None:
    store.close()
    with pytest.raises(StoreError), store.transaction():
        pass


def test_concurrent_claims_take_disjoint_messages(store: EngineStore, queues: Queues) -> None:
    """Two receivers claiming at once (each in a write transaction of its own, the first
    still open when the second claims) never take the same message."""
    queues.create_queue("claims")
    for n in range(10):
        queues.send_message("claims", f"m{n}")
    now = queues.clock.now_ms()
    first_claimed = threading.Event()
    taken: dict[str, list[str]] = {}

    def claim(who: str, hold: threading.Event | None) -> None:
        with store.transaction() as tx:
            claimed = tx.claim_visible("claims", now, 6)
            tx.mark_received(
                [Reception(m.seq, now + 60_000, 1, now, f"h-{who}-{m.seq}") for m in claimed]
            )
            taken[who] = [m.body for m in claimed]
            if hold is not None:
                hold.set()
                time.sleep(0.2)  # the other claims while this transaction is open

    first = threading.Thread(target=claim, args=("a", first_claimed))
    first.start()
    assert first_claimed.wait(10)
    claim("b", None)
    first.join()
    assert len(taken["a"]) == 6
    assert len(taken["b"]) == 4
    assert not set(taken["a"]) & set(taken["b"])
