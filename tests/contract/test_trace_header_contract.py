"""The AWSTraceHeader message system attribute, on every adapter of the storage port.

Sources: [api] https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
(MessageSystemAttributes: "Currently, the only supported message system attribute is
AWSTraceHeader. Its type must be String"; MD5OfMessageSystemAttributes in the answer),
API_ReceiveMessage.html (AWSTraceHeader among the system attribute names);
[md5] https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
(the digest: each name, type and value length-prefixed, 1 before a String value).
"""

from __future__ import annotations

import hashlib
import json
import struct

import pytest

from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.queues import Queues
from orderflow.eventbus.queues.errors import InvalidParameterValue

SCOPE = AwsScope()
ORDERS = SCOPE.queue_url("orders")
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
SYSTEM = {"AWSTraceHeader": {"DataType": "String", "StringValue": TRACE}}


def expected_md5(name: str, value: str) -> str:
    """The digest as the metadata guide describes it, for one String attribute."""
    parts = b""
    for part in (name.encode(), b"String"):
        parts += struct.pack("!I", len(part)) + part
    parts += b"\x01" + struct.pack("!I", len(value.encode())) + value.encode()
    return hashlib.md5(parts, usedforsecurity=False).hexdigest()


def test_a_trace_header_is_answered_with_its_digest_and_received_when_asked(
    queues: Queues,
) -> None:
    queues.create_queue("orders")
    sent = queues.send_message(ORDERS, "body", message_system_attributes=SYSTEM)
    assert sent.md5_of_system_attributes == expected_md5("AWSTraceHeader", TRACE)
    assert queues.send_message(ORDERS, "plain").md5_of_system_attributes is None
    received = queues.receive_message(ORDERS, max_messages=10, attribute_names=["AWSTraceHeader"])
    assert [(m.body, m.attributes) for m in received] == [
        ("body", {"AWSTraceHeader": TRACE}),
        ("plain", {}),
    ]


def test_a_batch_entry_carries_its_trace_header(queues: Queues) -> None:
    queues.create_queue("orders")
    result = queues.send_message_batch(
        ORDERS,
        [
            {"Id": "traced", "MessageBody": "a", "MessageSystemAttributes": SYSTEM},
            {
                "Id": "bad",
                "MessageBody": "b",
                "MessageSystemAttributes": {"Colour": {"DataType": "String", "StringValue": "x"}},
            },
        ],
    )
    assert [entry_id for entry_id, _ in result.successful] == ["traced"]
    assert [(f.id, f.message) for f in result.failed] == [
        ("bad", "Message system attribute name 'Colour' is invalid.")
    ]
    (message,) = queues.receive_message(ORDERS, attribute_names=["All"])
    assert message.attributes["AWSTraceHeader"] == TRACE


def test_only_a_string_trace_header_is_accepted(queues: Queues) -> None:
    queues.create_queue("orders")
    with pytest.raises(InvalidParameterValue, match="AWSTraceHeader"):
        queues.send_message(
            ORDERS,
            "body",
            message_system_attributes={
                "AWSTraceHeader": {"DataType": "Number", "StringValue": "1"}
            },
        )


def test_a_dead_letter_keeps_its_trace_header(queues: Queues, clock: ManualClock) -> None:
    queues.create_queue("dlq")
    policy = {"deadLetterTargetArn": SCOPE.queue_arn("dlq"), "maxReceiveCount": 1}
    queues.create_queue("orders", {"VisibilityTimeout": "5", "RedrivePolicy": json.dumps(policy)})
    queues.send_message(ORDERS, "body", message_system_attributes=SYSTEM)
    assert len(queues.receive_message(ORDERS)) == 1
    clock.advance(seconds=5)
    assert queues.receive_message(ORDERS) == []  # moved to the DLQ
    (dead,) = queues.receive_message(SCOPE.queue_url("dlq"), attribute_names=["AWSTraceHeader"])
    assert dead.attributes == {"AWSTraceHeader": TRACE}
