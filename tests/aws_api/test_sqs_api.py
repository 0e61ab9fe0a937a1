"""Every SQS operation through boto3 (SQS JSON protocol) against the endpoint, with
the behaviour SQS documents: visibility, redrive, long polling, batch limits."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.aws_api.conftest import REGION, ClientFactory


def make_queue(sqs: Any, name: str, **attributes: str) -> str:
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def arn_of(sqs: Any, url: str) -> str:
    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(answer["Attributes"]["QueueArn"])


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def test_queues_are_created_found_listed_changed_and_deleted(sqs: Any, server: Any) -> None:
    url = make_queue(sqs, "orders", VisibilityTimeout="45")
    assert url == f"{server.url}/000000000000/orders"
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    make_queue(sqs, "payments")
    assert sqs.list_queues(QueueNamePrefix="ord")["QueueUrls"] == [url]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "45"
    assert attributes["QueueArn"] == f"arn:aws:sqs:{REGION}:000000000000:orders"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "5"})
    changed = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
    assert changed["Attributes"] == {"DelaySeconds": "5"}
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="orders")


def test_a_queue_with_other_attributes_is_refused(sqs: Any) -> None:
    make_queue(sqs, "orders", VisibilityTimeout="45")
    with pytest.raises(sqs.exceptions.QueueNameExists):
        make_queue(sqs, "orders", VisibilityTimeout="10")


def test_messages_carry_attributes_and_digests_the_sdk_checks(sqs: Any) -> None:
    url = make_queue(sqs, "orders")
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="héllo",
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "order"},
            "count": {"DataType": "Number", "StringValue": "3"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        },
    )  # boto3 verifies MD5OfMessageBody and MD5OfMessageAttributes itself
    received = sqs.receive_message(
        QueueUrl=url,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
    )["Messages"]
    message = received[0]
    assert (message["MessageId"], message["Body"]) == (sent["MessageId"], "héllo")
    assert message["MessageAttributes"]["raw"]["BinaryValue"] == b"\x00\xff"
    assert set(message["Attributes"]) == {"ApproximateReceiveCount", "SentTimestamp"}
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert abs(int(message["Attributes"]["SentTimestamp"]) - time.time() * 1000) < 60_000


def test_a_trace_header_travels_as_a_system_attribute_on_both_protocols(
    sqs: Any, server: Any
) -> None:
    # [api] SendMessage MessageSystemAttributes: "the only supported message system
    # attribute is AWSTraceHeader"; ReceiveMessage returns it when asked for.
    url = make_queue(sqs, "orders")
    trace = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc;Sampled=1"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="json", MessageSystemAttributes=trace)
    assert len(sent["MD5OfMessageSystemAttributes"]) == 32
    form = {
        "Action": "SendMessage",
        "QueueUrl": url,
        "MessageBody": "query",
        "MessageSystemAttribute.1.Name": "AWSTraceHeader",
        "MessageSystemAttribute.1.Value.DataType": "String",
        "MessageSystemAttribute.1.Value.StringValue": "Root=1-abc;Sampled=1",
    }
    answer = httpx.post(server.url + "/", data=form).text
    assert f"<MD5OfMessageSystemAttributes>{sent['MD5OfMessageSystemAttributes']}<" in answer
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["AWSTraceHeader"]
    )["Messages"]
    assert [(m["Body"], m["Attributes"]) for m in received] == [
        ("json", {"AWSTraceHeader": "Root=1-abc;Sampled=1"}),
        ("query", {"AWSTraceHeader": "Root=1-abc;Sampled=1"}),
    ]


def test_a_received_message_stays_hidden_until_its_visibility_changes(sqs: Any) -> None:
    url = make_queue(sqs, "orders", VisibilityTimeout="30")
    sqs.send_message(QueueUrl=url, MessageBody="one")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    second = again["Messages"][0]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    answer = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok", "ReceiptHandle": second["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "stale", "ReceiptHandle": first["ReceiptHandle"], "VisibilityTimeout": 0},
        ],
    )
    assert [entry["Id"] for entry in answer["Successful"]] == ["ok"]
    assert [entry["Id"] for entry in answer["Failed"]] == ["stale"]
    third = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)


def test_visibility_changes_are_answered_as_sqs_answers_them(sqs: Any) -> None:
    # [api] ChangeMessageVisibility: 0 makes the message visible at once; a message not in
    # flight is MessageNotInflight; a deleted message's handle is an invalid ReceiptHandle;
    # "The maximum visibility timeout is 12 hours from the time the message is received".
    url = make_queue(sqs, "orders")
    sqs.send_message(QueueUrl=url, MessageBody="body")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43_200)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    with pytest.raises(ClientError) as caught:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=10)
    assert error_code(caught) == "AWS.SimpleQueueService.MessageNotInflight"
    again = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again)
    with pytest.raises(ClientError) as caught:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again, VisibilityTimeout=10)
    assert error_code(caught) == "InvalidParameterValue"
    assert caught.value.response["Error"]["Message"] == (
        f"Value {again} for parameter ReceiptHandle is invalid. Reason: Message does not exist "
        "or is not available for visibility timeout change."
    )


def test_an_invalid_receipt_handle_is_refused(sqs: Any) -> None:
    url = make_queue(sqs, "orders")
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")


def test_messages_past_max_receive_count_go_to_the_dead_letter_queue_and_back(
    sqs: Any,
) -> None:
    dlq = make_queue(sqs, "orders-dlq")
    policy = json.dumps({"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": 1})
    url = make_queue(sqs, "orders", RedrivePolicy=policy)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    assert len(sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]) == 1
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # moved on this receive
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url]
    dead = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0, AttributeNames=["All"])
    assert dead["Messages"][0]["Attributes"]["DeadLetterQueueSourceArn"] == arn_of(sqs, url)
    handle = sqs.start_message_move_task(SourceArn=arn_of(sqs, dlq))["TaskHandle"]
    tasks = sqs.list_message_move_tasks(SourceArn=arn_of(sqs, dlq))["Results"]
    assert (tasks[0]["Status"], tasks[0]["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 1)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "poison"
    with pytest.raises(ClientError) as caught:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert "UnsupportedOperation" in error_code(caught)


def test_long_polling_returns_as_soon_as_a_message_arrives(sqs: Any, client: ClientFactory) -> None:
    url = make_queue(sqs, "orders")
    sender = client("sqs")
    timer = threading.Timer(0.3, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    started = time.monotonic()
    timer.start()
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    timer.join()
    assert received["Messages"][0]["Body"] == "late"
    assert time.monotonic() - started < 5


def test_a_long_poll_does_not_block_other_requests(sqs: Any, client: ClientFactory) -> None:
    url = make_queue(sqs, "orders")
    poller = client("sqs")
    answers: list[Any] = []
    waiting = threading.Thread(
        target=lambda: answers.append(poller.receive_message(QueueUrl=url, WaitTimeSeconds=20))
    )
    waiting.start()
    started = time.monotonic()
    for _ in range(5):
        sqs.get_queue_url(QueueName="orders")
    assert time.monotonic() - started < 5
    sqs.send_message(QueueUrl=url, MessageBody="wake up")  # ends the long poll
    waiting.join(timeout=20)
    assert answers[0]["Messages"][0]["Body"] == "wake up"


def test_batches_send_and_delete_with_per_entry_results(sqs: Any) -> None:
    url = make_queue(sqs, "orders")
    sent = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "DelaySeconds": 901},
        ],
    )
    assert [entry["Id"] for entry in sent["Successful"]] == ["a"]
    assert sent["Failed"][0]["Id"] == "b"
    assert sent["Failed"][0]["SenderFault"] is True
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "x", "ReceiptHandle": message["ReceiptHandle"]},
            {"Id": "y", "ReceiptHandle": "garbage"},
        ],
    )
    assert [entry["Id"] for entry in deleted["Successful"]] == ["x"]
    assert deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"


def test_batch_limits(sqs: Any) -> None:
    url = make_queue(sqs, "orders")
    eleven = [{"Id": f"m{n}", "MessageBody": "x"} for n in range(11)]
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=eleven)
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[eleven[0], eleven[0]])
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.delete_message_batch(QueueUrl=url, Entries=[])


def test_purge_empties_the_queue_once_a_minute(sqs: Any) -> None:
    url = make_queue(sqs, "orders")
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=url)


def test_queue_tags(sqs: Any) -> None:
    url = str(sqs.create_queue(QueueName="orders", tags={"team": "a"})["QueueUrl"])
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}


def test_missing_queue_and_parameters_use_sqs_codes(sqs: Any, server: Any) -> None:
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=f"{server.url}/000000000000/nope", MessageBody="x")
    with pytest.raises(ClientError) as caught:
        sqs.send_message(QueueUrl=make_queue(sqs, "orders"), MessageBody="")
    assert error_code(caught) == "MissingParameter"
