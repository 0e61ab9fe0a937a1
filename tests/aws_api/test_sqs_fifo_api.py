"""FIFO queues through boto3 (SQS JSON protocol) and the SQS query protocol against the
endpoint, and EventBridge rules delivering to a FIFO queue.

Sources: [fifo] https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
[api] https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
(SequenceNumber in the answer; MessageGroupId required; DelaySeconds not per message),
API_SendMessageBatch.html, API_ReceiveMessage.html (MessageSystemAttributeNames),
[eb] https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_SqsParameters.html
("the FIFO message group ID to use as the target") and API_PutTargets.html.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from orderflow.entrypoints.aws_api import RunningServer

NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}
CONTENT = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}


def fifo_queue(sqs: Any, name: str = "orders.fifo", **attributes: str) -> str:
    return str(sqs.create_queue(QueueName=name, Attributes={**CONTENT, **attributes})["QueueUrl"])


def refusal(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_creation_rules_are_answered_as_sqs_answers_them(sqs: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sqs.create_queue(QueueName="orders.fifo")
    assert refusal(caught)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as caught:
        sqs.create_queue(QueueName="orders", Attributes={"FifoQueue": "true"})
    assert refusal(caught)[0] == "InvalidParameterValue"
    url = fifo_queue(sqs)
    with pytest.raises(ClientError) as caught:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    assert refusal(caught) == ("InvalidAttributeName", "Unknown Attribute FifoQueue.")


def test_sends_without_a_group_or_with_a_delay_are_refused(sqs: Any) -> None:
    url = fifo_queue(sqs)
    with pytest.raises(ClientError) as caught:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert refusal(caught) == (
        "InvalidParameterValue",
        "The request must contain the parameter MessageGroupId.",
    )
    with pytest.raises(ClientError) as caught:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", DelaySeconds=3)
    assert refusal(caught) == (
        "InvalidParameterValue",
        "Value 3 for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type.",
    )
    plain = fifo_queue(sqs, "plain.fifo", ContentBasedDeduplication="false")
    with pytest.raises(ClientError) as caught:
        sqs.send_message(QueueUrl=plain, MessageBody="x", MessageGroupId="g")
    assert refusal(caught)[1] == (
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly"
    )


def test_a_group_is_received_in_order_one_batch_at_a_time(sqs: Any) -> None:
    url = fifo_queue(sqs)
    sent = [
        sqs.send_message(QueueUrl=url, MessageBody=f"g-{n}", MessageGroupId="g") for n in range(3)
    ]
    numbers = [int(answer["SequenceNumber"]) for answer in sent]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    first = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=2, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] for m in first] == ["g-0", "g-1"]
    assert first[0]["Attributes"]["MessageGroupId"] == "g"
    assert first[0]["Attributes"]["SequenceNumber"] == sent[0]["SequenceNumber"]
    assert first[0]["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"g-0").hexdigest()
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # g-1 still in flight
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[1]["ReceiptHandle"])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["g-2"]


def test_a_duplicate_is_answered_with_the_first_message_and_not_delivered(sqs: Any) -> None:
    url = fifo_queue(sqs)
    first = sqs.send_message(
        QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="order-1"
    )
    again = sqs.send_message(
        QueueUrl=url, MessageBody="b", MessageGroupId="g", MessageDeduplicationId="order-1"
    )
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    batch = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "same", "MessageBody": "a", "MessageGroupId": "g"},
            {"Id": "nogroup", "MessageBody": "c"},
        ],
    )
    assert batch["Successful"][0]["SequenceNumber"].isdigit()
    assert [(f["Id"], f["Message"], f["SenderFault"]) for f in batch["Failed"]] == [
        ("nogroup", "The request must contain the parameter MessageGroupId.", True)
    ]
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in received] == ["a", "a"]  # "b" was a duplicate of order-1


def test_the_query_protocol_carries_groups_and_sequence_numbers(server: RunningServer) -> None:
    def query(**form: str) -> ET.Element:
        return ET.fromstring(httpx.post(server.url + "/", data=form).text)

    created = query(
        Action="CreateQueue",
        QueueName="orders.fifo",
        **{"Attribute.1.Name": "FifoQueue", "Attribute.1.Value": "true"},
    )
    url = created.findtext("sqs:CreateQueueResult/sqs:QueueUrl", namespaces=NS) or ""
    sent = query(
        Action="SendMessage",
        QueueUrl=url,
        MessageBody="hello",
        MessageGroupId="g",
        MessageDeduplicationId="d-1",
    )
    number = sent.findtext("sqs:SendMessageResult/sqs:SequenceNumber", namespaces=NS)
    assert number is not None and number.isdigit()
    batch = query(
        Action="SendMessageBatch",
        QueueUrl=url,
        **{
            "SendMessageBatchRequestEntry.1.Id": "e1",
            "SendMessageBatchRequestEntry.1.MessageBody": "again",
            "SendMessageBatchRequestEntry.1.MessageGroupId": "g",
            "SendMessageBatchRequestEntry.1.MessageDeduplicationId": "d-2",
        },
    )
    entry = "sqs:SendMessageBatchResult/sqs:SendMessageBatchResultEntry/sqs:SequenceNumber"
    assert int(batch.findtext(entry, namespaces=NS) or 0) > int(number)
    received = query(
        Action="ReceiveMessage",
        QueueUrl=url,
        MaxNumberOfMessages="10",
        **{"AttributeName.1": "MessageGroupId", "AttributeName.2": "SequenceNumber"},
    )
    messages = received.findall("sqs:ReceiveMessageResult/sqs:Message", NS)
    assert [m.findtext("sqs:Body", namespaces=NS) for m in messages] == ["hello", "again"]
    attributes = {
        item.findtext("sqs:Name", namespaces=NS): item.findtext("sqs:Value", namespaces=NS)
        for item in messages[0].findall("sqs:Attribute", NS)
    }
    assert attributes == {"MessageGroupId": "g", "SequenceNumber": number}


def test_a_fifo_dead_letter_queue_takes_the_spent_message_with_its_group(sqs: Any) -> None:
    dlq = fifo_queue(sqs, "orders-dlq.fifo")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
    policy = {"deadLetterTargetArn": dlq_arn["QueueArn"], "maxReceiveCount": 1}
    url = fifo_queue(sqs, RedrivePolicy=json.dumps(policy))
    sqs.send_message(QueueUrl=url, MessageBody="g-0", MessageGroupId="g")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # moved to the DLQ instead
    dead = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["MessageGroupId"])
    assert [(m["Body"], m["Attributes"]) for m in dead["Messages"]] == [
        ("g-0", {"MessageGroupId": "g"})
    ]


def test_an_event_bridge_rule_delivers_to_a_fifo_queue_in_its_group(sqs: Any, events: Any) -> None:
    url = fifo_queue(sqs)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    with pytest.raises(ClientError) as caught:
        events.put_targets(Rule="orders", Targets=[{"Id": "fifo", "Arn": arn}])
    assert refusal(caught) == (
        "ValidationException",
        "Parameter(s) SqsParameters must be specified for target: fifo.",
    )
    events.put_targets(
        Rule="orders",
        Targets=[{"Id": "fifo", "Arn": arn, "SqsParameters": {"MessageGroupId": "tenant-1"}}],
    )
    for n in range(3):
        answer = events.put_events(
            Entries=[{"Source": "shop", "DetailType": "OrderCreated", "Detail": f'{{"n": {n}}}'}]
        )
        assert answer["FailedEntryCount"] == 0
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
    assert [json.loads(m["Body"])["detail"]["n"] for m in got["Messages"]] == [0, 1, 2]
    assert {m["Attributes"]["MessageGroupId"] for m in got["Messages"]} == {"tenant-1"}
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # the group is in flight
