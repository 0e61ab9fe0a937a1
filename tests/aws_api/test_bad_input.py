"""Input a hostile client sends, as raw requests on both wires: each a 4xx (or a failed
batch entry) in AWS's shape, never a 500, and nothing else in the batch lost.

Sources: [sqs-md5] https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
(Number: "up to 38 digits of precision, and ... between 10^-128 and 10^+126"; Binary:
base64 on the wire); [put-events] https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
(a failed entry carries ErrorCode and ErrorMessage, the others their EventId).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import httpx

from orderflow.entrypoints.aws_api import RunningServer

NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}


def call(server: RunningServer, target: str, document: dict[str, Any]) -> httpx.Response:
    kind = "1.0" if target.startswith("AmazonSQS") else "1.1"
    return httpx.post(
        server.url + "/",
        content=json.dumps(document),
        headers={"content-type": f"application/x-amz-json-{kind}", "x-amz-target": target},
    )


def make_queue(server: RunningServer) -> str:
    created = call(server, "AmazonSQS.CreateQueue", {"QueueName": "orders"})
    return str(created.json()["QueueUrl"])


def test_a_binary_attribute_that_is_not_base64_fails_its_entry_only(server: RunningServer) -> None:
    url = make_queue(server)
    binary = {"b": {"DataType": "Binary", "BinaryValue": "not base64!"}}
    single = call(
        server,
        "AmazonSQS.SendMessage",
        {"QueueUrl": url, "MessageBody": "x", "MessageAttributes": binary},
    )
    assert single.status_code == 400
    assert single.headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    batch = call(
        server,
        "AmazonSQS.SendMessageBatch",
        {
            "QueueUrl": url,
            "Entries": [
                {"Id": "bad", "MessageBody": "x", "MessageAttributes": binary},
                {"Id": "good", "MessageBody": "kept"},
            ],
        },
    )
    assert batch.status_code == 200
    answer = batch.json()
    assert [entry["Id"] for entry in answer["Successful"]] == ["good"]
    assert [(entry["Id"], entry["SenderFault"]) for entry in answer["Failed"]] == [("bad", True)]
    received = call(server, "AmazonSQS.ReceiveMessage", {"QueueUrl": url}).json()
    assert [message["Body"] for message in received["Messages"]] == ["kept"]


def test_a_number_attribute_out_of_range_is_refused_on_the_query_protocol(
    server: RunningServer,
) -> None:
    url = make_queue(server)
    response = httpx.post(
        server.url + "/",
        data={
            "Action": "SendMessage",
            "QueueUrl": url,
            "MessageBody": "x",
            "MessageAttribute.1.Name": "n",
            "MessageAttribute.1.Value.DataType": "Number",
            "MessageAttribute.1.Value.StringValue": "1e400",
        },
    )
    assert response.status_code == 400
    error = ET.fromstring(response.text).find("sqs:Error", NS)
    assert error is not None
    assert error.findtext("sqs:Code", namespaces=NS) == "InvalidParameterValue"
    assert error.findtext("sqs:Message", namespaces=NS) == (
        "Can't cast the value of message (user) attribute 'n' to a number."
    )


def test_put_events_with_a_time_beyond_any_date_fails_that_entry_only(
    server: RunningServer,
) -> None:
    entry = {"Source": "shop", "DetailType": "OrderCreated", "Detail": "{}"}
    response = call(
        server,
        "AWSEvents.PutEvents",
        {"Entries": [{**entry, "Time": -1e20}, entry, {**entry, "Time": 1e300}]},
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["FailedEntryCount"] == 2
    failed = {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter Time is not valid."}
    assert answer["Entries"][0] == failed and answer["Entries"][2] == failed
    assert set(answer["Entries"][1]) == {"EventId"}
