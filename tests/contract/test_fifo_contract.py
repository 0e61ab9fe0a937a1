"""FIFO queues, specified through the ``Queues`` API, on every adapter of the storage port.

Sources of the expected behaviour:
[fifo]   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
         ("messages that belong to the same message group are always processed one by one,
         in a strict order"; "you can't receive messages with the same message group ID ...
         until the in-flight messages are deleted or become visible")
[dedup]  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html
         (5-minute deduplication interval; "accepted successfully but aren't delivered";
         ContentBasedDeduplication: "a SHA-256 hash ... using the body of the message")
[ht]     https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/high-throughput-fifo.html
         (DeduplicationScope messageGroup | queue, FifoThroughputLimit perMessageGroupId | perQueue)
[api]    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html,
         API_ReceiveMessage.html (SequenceNumber, MessageSystemAttributeNames),
         API_SetQueueAttributes.html (FifoQueue only at creation).
[dlq]    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
         ("The dead-letter queue of a FIFO queue must also be a FIFO queue")
The clock is the manual one: no test waits for a window to pass.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.queues import Queues, ReceivedMessage, SentMessage
from orderflow.eventbus.queues.errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
    SqsError,
)

SCOPE = AwsScope()
FIFO = {"FifoQueue": "true"}
CONTENT = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
ORDERS = SCOPE.queue_url("orders.fifo")


def fifo_queue(queues: Queues, **attributes: str) -> str:
    return queues.create_queue("orders.fifo", {**CONTENT, **attributes})


def send(queues: Queues, body: str, group: str = "g", **options: Any) -> SentMessage:
    return queues.send_message(ORDERS, body, message_group_id=group, **options)


def receive(queues: Queues, count: int = 10, **options: Any) -> list[ReceivedMessage]:
    return queues.receive_message(ORDERS, max_messages=count, **options)


def bodies(messages: list[ReceivedMessage]) -> list[str]:
    return [message.body for message in messages]


def delete(queues: Queues, *messages: ReceivedMessage) -> None:
    for message in messages:
        queues.delete_message(ORDERS, message.receipt_handle)


def refused(kind: type[SqsError], message: str) -> Any:
    return pytest.raises(kind, match="^" + message.replace(".", r"\.") + "$")


# -- what a send must carry ---------------------------------------------------------------


def test_without_content_based_deduplication_a_send_needs_a_deduplication_id(
    queues: Queues,
) -> None:
    queues.create_queue("orders.fifo", FIFO)
    with refused(
        InvalidParameterValue,
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    ):
        send(queues, "body")
    assert send(queues, "body", message_deduplication_id="order-1").sequence_number


def test_a_standard_queue_refuses_a_deduplication_id(queues: Queues) -> None:
    queues.create_queue("orders")
    with pytest.raises(InvalidParameterValue) as caught:
        queues.send_message(SCOPE.queue_url("orders"), "body", message_deduplication_id="d-1")
    assert str(caught.value) == (
        "Value d-1 for parameter MessageDeduplicationId is invalid. Reason: The request include "
        "parameter that is not valid for this queue type."
    )


def test_group_and_deduplication_ids_are_1_to_128_printable_characters(queues: Queues) -> None:
    fifo_queue(queues)
    for bad in ("", "x" * 129, "with space", "é"):
        with pytest.raises(InvalidParameterValue, match="MessageGroupId can only include"):
            send(queues, "body", group=bad)
    with pytest.raises(InvalidParameterValue, match="MessageDeduplicationId can only include"):
        send(queues, "body", message_deduplication_id="x" * 129)
    assert send(queues, "body", group="!#$%&()*+,-./:;<=>?@[]^_`{|}~" + "a" * 99).message_id


def test_a_batch_fails_only_the_entries_that_break_the_fifo_rules(queues: Queues) -> None:
    queues.create_queue("orders.fifo", FIFO)
    result = queues.send_message_batch(
        ORDERS,
        [
            {"Id": "ok", "MessageBody": "a", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
            {"Id": "nogroup", "MessageBody": "b", "MessageDeduplicationId": "2"},
            {"Id": "nodedup", "MessageBody": "c", "MessageGroupId": "g"},
            {
                "Id": "delay",
                "MessageBody": "d",
                "MessageGroupId": "g",
                "MessageDeduplicationId": "3",
                "DelaySeconds": 1,
            },
        ],
    )
    assert [entry_id for entry_id, _ in result.successful] == ["ok"]
    assert {f.id: f.code for f in result.failed} == {
        "nogroup": InvalidParameterValue.code,
        "nodedup": InvalidParameterValue.code,
        "delay": InvalidParameterValue.code,
    }
    assert bodies(receive(queues)) == ["a"]


# -- order within a group, one batch in flight per group ----------------------------------


def test_a_group_is_received_in_the_order_sent_one_batch_at_a_time(queues: Queues) -> None:
    fifo_queue(queues)
    for n in range(5):
        send(queues, f"g-{n}")
    first = receive(queues, 2)
    assert bodies(first) == ["g-0", "g-1"]
    assert receive(queues) == []  # the group is blocked while its batch is in flight
    delete(queues, *first)
    assert bodies(receive(queues)) == ["g-2", "g-3", "g-4"]


def test_a_group_stays_blocked_after_a_partial_delete(queues: Queues) -> None:
    fifo_queue(queues)
    for n in range(4):
        send(queues, f"g-{n}")
    batch = receive(queues, 3)
    delete(queues, batch[0], batch[1])
    assert receive(queues) == []  # g-2 is still in flight
    delete(queues, batch[2])
    assert bodies(receive(queues)) == ["g-3"]


def test_other_groups_are_received_while_one_is_blocked(queues: Queues) -> None:
    fifo_queue(queues)
    send(queues, "a-0", "a")
    send(queues, "b-0", "b")
    send(queues, "a-1", "a")
    send(queues, "c-0", "c")
    assert bodies(receive(queues, 1)) == ["a-0"]
    assert bodies(receive(queues)) == ["b-0", "c-0"]  # a-1 waits for a-0


def test_a_receive_takes_as_many_of_one_group_as_it_can_before_the_next(
    queues: Queues,
) -> None:
    # [fifo] "SQS returns as many messages with the same message group ID as possible"
    fifo_queue(queues)
    for body in ("a-0", "b-0", "a-1", "c-0", "b-1", "a-2"):
        send(queues, body, body[0])
    assert bodies(receive(queues, 4)) == ["a-0", "a-1", "a-2", "b-0"]
    assert bodies(receive(queues)) == ["c-0"]  # a and b are in flight


def test_a_message_back_from_its_timeout_comes_before_the_rest_of_its_group(
    queues: Queues, clock: ManualClock
) -> None:
    fifo_queue(queues, VisibilityTimeout="30")
    send(queues, "g-0")
    send(queues, "g-1")
    assert bodies(receive(queues, 1)) == ["g-0"]
    clock.advance(seconds=29)
    assert receive(queues) == []
    clock.advance(seconds=1)
    again = receive(queues, 10, attribute_names=["ApproximateReceiveCount"])
    assert bodies(again) == ["g-0", "g-1"]
    assert again[0].attributes == {"ApproximateReceiveCount": "2"}


def test_a_message_made_visible_again_keeps_its_group_blocked_by_the_rest_of_the_batch(
    queues: Queues,
) -> None:
    fifo_queue(queues)
    send(queues, "g-0")
    send(queues, "g-1")
    batch = receive(queues)
    queues.change_message_visibility(ORDERS, batch[0].receipt_handle, 0)
    assert receive(queues) == []  # g-1 is in flight
    delete(queues, batch[1])
    assert bodies(receive(queues)) == ["g-0"]


def test_a_queue_delay_keeps_the_order_of_a_group(queues: Queues, clock: ManualClock) -> None:
    fifo_queue(queues, DelaySeconds="10")
    send(queues, "g-0")
    queues.set_queue_attributes(ORDERS, {"DelaySeconds": "0"})
    send(queues, "g-1")
    assert receive(queues) == []  # g-1 is visible, but g-0 before it is not yet
    clock.advance(seconds=10)
    assert bodies(receive(queues)) == ["g-0", "g-1"]


# -- deduplication -----------------------------------------------------------------------


def test_a_deduplication_id_sent_again_within_5_minutes_is_accepted_not_delivered(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create_queue("orders.fifo", FIFO)
    first = send(queues, "one", message_deduplication_id="order-1")
    clock.advance(seconds=299)
    again = send(queues, "two", message_deduplication_id="order-1")
    assert (again.message_id, again.sequence_number) == (first.message_id, first.sequence_number)
    delete(queues, *receive(queues))  # deleted: the id is still remembered
    assert send(queues, "three", message_deduplication_id="order-1") == replace_md5(first, "three")
    assert receive(queues) == []
    clock.advance(seconds=1)  # 5 minutes after the first send
    later = send(queues, "four", message_deduplication_id="order-1")
    assert later.message_id != first.message_id
    assert bodies(receive(queues)) == ["four"]


def replace_md5(sent: SentMessage, body: str) -> SentMessage:
    """What a duplicate send answers: the first message's id and number, its own body's MD5."""
    return SentMessage(
        sent.message_id,
        hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        None,
        sent.sequence_number,
    )


def test_content_based_deduplication_compares_the_bodies_sha256(queues: Queues) -> None:
    fifo_queue(queues)
    send(queues, "same")
    send(queues, "same")
    send(queues, "other")
    send(queues, "same", message_deduplication_id="explicit")  # an explicit id wins
    received = receive(queues, attribute_names=["MessageDeduplicationId"])
    assert bodies(received) == ["same", "other", "same"]
    assert received[0].attributes == {"MessageDeduplicationId": hashlib.sha256(b"same").hexdigest()}
    assert received[2].attributes == {"MessageDeduplicationId": "explicit"}


@pytest.mark.parametrize(
    ("scope", "delivered"),
    [("queue", ["a"]), ("messageGroup", ["a", "b"])],
)
def test_the_deduplication_scope_is_the_queue_or_the_message_group(
    queues: Queues, scope: str, delivered: list[str]
) -> None:
    queues.create_queue("orders.fifo", {**FIFO, "DeduplicationScope": scope})
    send(queues, "a", "one", message_deduplication_id="d")
    send(queues, "b", "two", message_deduplication_id="d")
    send(queues, "c", "one", message_deduplication_id="d")  # same group, same id: a duplicate
    assert bodies(receive(queues)) == delivered


def test_a_batch_deduplicates_its_own_entries(queues: Queues) -> None:
    fifo_queue(queues)
    result = queues.send_message_batch(
        ORDERS,
        [{"Id": f"e{n}", "MessageBody": "same", "MessageGroupId": "g"} for n in range(3)],
    )
    ids = {sent.message_id for _, sent in result.successful}
    assert len(result.successful) == 3 and len(ids) == 1 and not result.failed
    assert bodies(receive(queues)) == ["same"]


def test_a_queue_deleted_and_created_again_has_forgotten_its_deduplication_ids(
    queues: Queues, clock: ManualClock
) -> None:
    fifo_queue(queues)
    send(queues, "same")
    queues.delete_queue(ORDERS)
    clock.advance(seconds=60)  # a name can be created again a minute after its deletion
    fifo_queue(queues)
    send(queues, "same")
    assert bodies(receive(queues)) == ["same"]


# -- sequence numbers and system attributes --------------------------------------------------


def test_sequence_numbers_grow_within_a_group_and_are_returned_when_asked(
    queues: Queues,
) -> None:
    fifo_queue(queues)
    sent = [send(queues, f"g-{n}") for n in range(3)]
    batch = queues.send_message_batch(
        ORDERS, [{"Id": "x", "MessageBody": "g-3", "MessageGroupId": "g"}]
    )
    numbers = [s.sequence_number for s in sent] + [batch.successful[0][1].sequence_number]
    assert all(n is not None and n.isdigit() for n in numbers)
    assert [int(n or 0) for n in numbers] == sorted({int(n or 0) for n in numbers})
    plain = receive(queues, 1)[0]
    assert plain.attributes == {}  # nothing asked, nothing returned
    delete(queues, plain)
    asked = receive(queues, 1, attribute_names=["All"])[0]
    assert asked.attributes["MessageGroupId"] == "g"
    assert asked.attributes["SequenceNumber"] == numbers[1]
    assert asked.attributes["MessageDeduplicationId"] == hashlib.sha256(b"g-1").hexdigest()
    delete(queues, asked)
    some = receive(queues, 1, attribute_names=["SequenceNumber", "MessageGroupId"])[0]
    assert some.attributes == {"SequenceNumber": numbers[2], "MessageGroupId": "g"}


def test_a_standard_queue_answers_without_a_sequence_number(queues: Queues) -> None:
    queues.create_queue("orders")
    assert queues.send_message(SCOPE.queue_url("orders"), "body").sequence_number is None


# -- attributes ----------------------------------------------------------------------------


def test_the_high_throughput_attributes_take_their_documented_values(queues: Queues) -> None:
    fifo_queue(queues, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    values = queues.get_queue_attributes(ORDERS, ["DeduplicationScope", "FifoThroughputLimit"])
    assert values == {
        "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId",
    }
    queues.set_queue_attributes(ORDERS, {"FifoThroughputLimit": "perQueue"})
    assert queues.get_queue_attributes(ORDERS, ["FifoThroughputLimit"]) == {
        "FifoThroughputLimit": "perQueue"
    }
    for name, value in (("DeduplicationScope", "group"), ("FifoThroughputLimit", "perGroup")):
        with refused(InvalidAttributeValue, f"Invalid value for the parameter {name}."):
            queues.set_queue_attributes(ORDERS, {name: value})


def test_fifo_queue_cannot_be_changed_after_creation(queues: Queues) -> None:
    fifo_queue(queues)
    with refused(InvalidAttributeName, "Unknown Attribute FifoQueue."):
        queues.set_queue_attributes(ORDERS, {"FifoQueue": "false"})


def test_content_based_deduplication_can_be_turned_on_later(queues: Queues) -> None:
    queues.create_queue("orders.fifo", FIFO)
    queues.set_queue_attributes(ORDERS, {"ContentBasedDeduplication": "true"})
    send(queues, "body")
    assert bodies(receive(queues)) == ["body"]


# -- dead-letter queue --------------------------------------------------------------------


def test_a_fifo_queue_redrives_to_its_fifo_dead_letter_queue_keeping_the_group(
    queues: Queues, clock: ManualClock
) -> None:
    dlq = queues.create_queue("orders-dlq.fifo", CONTENT)
    policy = {"deadLetterTargetArn": SCOPE.queue_arn("orders-dlq.fifo"), "maxReceiveCount": 1}
    fifo_queue(queues, VisibilityTimeout="10", RedrivePolicy=json.dumps(policy))
    send(queues, "g-0")
    send(queues, "g-1")
    assert bodies(receive(queues, 1)) == ["g-0"]
    clock.advance(seconds=10)
    assert bodies(receive(queues, 1)) == ["g-1"]  # g-0 went to the DLQ instead
    dead = queues.receive_message(dlq, attribute_names=["All"])
    assert bodies(dead) == ["g-0"]
    assert dead[0].attributes["MessageGroupId"] == "g"
    assert dead[0].attributes["DeadLetterQueueSourceArn"] == SCOPE.queue_arn("orders.fifo")
    assert dead[0].attributes["SequenceNumber"].isdigit()
