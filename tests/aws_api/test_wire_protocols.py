"""The wire itself: malformed requests get AWS-shaped errors (never a 500 traceback),
the SQS query protocol answers in XML, and SigV4 is enforced when asked for."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from orderflow.entrypoints.aws_api import RunningServer

SQS_JSON = {"content-type": "application/x-amz-json-1.0"}
EVENTS_JSON = {"content-type": "application/x-amz-json-1.1"}
NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}


def post(
    server: RunningServer, target: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    return httpx.post(server.url + "/", content=body, headers={**headers, "x-amz-target": target})


def query(server: RunningServer, path: str = "/", **form: str) -> ET.Element:
    response = httpx.post(server.url + path, data=form)
    return ET.fromstring(response.text)


def test_bad_json_is_a_serialization_exception(server: RunningServer) -> None:
    response = post(server, "AWSEvents.PutEvents", b"{not json", EVENTS_JSON)
    assert response.status_code == 400
    assert response.json()["__type"] == "SerializationException"


def test_an_unknown_operation_is_named_as_such(server: RunningServer) -> None:
    response = post(server, "AWSEvents.LaunchRocket", b"{}", EVENTS_JSON)
    assert (response.status_code, response.json()["__type"]) == (400, "UnknownOperationException")


def test_missing_members_are_refused_in_each_service_wording(server: RunningServer) -> None:
    events = post(server, "AWSEvents.DescribeRule", b"{}", EVENTS_JSON).json()
    assert events["__type"] == "ValidationException"
    assert "Value null at 'name'" in events["message"]
    response = post(server, "AmazonSQS.SendMessage", b"{}", SQS_JSON)
    assert response.json() == {
        "__type": "com.amazonaws.sqs#MissingParameter",
        "message": "The request must contain the parameter QueueUrl.",
    }
    assert response.headers["x-amzn-query-error"] == "MissingParameter;Sender"


def test_a_member_of_the_wrong_type_is_a_serialization_exception(server: RunningServer) -> None:
    response = post(server, "AmazonSQS.GetQueueUrl", b'{"QueueName": 5}', SQS_JSON)
    assert response.json()["__type"] == "com.amazonaws.sqs#SerializationException"


def test_an_oversized_body_is_refused_before_it_is_read(server: RunningServer) -> None:
    response = post(server, "AWSEvents.PutEvents", b" " * (3 * 1024 * 1024), EVENTS_JSON)
    assert (response.status_code, response.json()["__type"]) == (413, "RequestEntityTooLarge")


def test_the_query_protocol_answers_in_xml(server: RunningServer) -> None:
    created = query(
        server,
        Action="CreateQueue",
        QueueName="orders",
        **{"Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "40"},
    )
    url = created.findtext("sqs:CreateQueueResult/sqs:QueueUrl", namespaces=NS)
    assert url == f"{server.url}/000000000000/orders"
    query(
        server,
        "/000000000000/orders",  # the queue URL as the path, as older SDKs send it
        Action="SendMessage",
        MessageBody="hello & <goodbye>",
        **{
            "MessageAttribute.1.Name": "kind",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "order",
        },
    )
    received = query(
        server,
        Action="ReceiveMessage",
        QueueUrl=url or "",
        **{"AttributeName.1": "All", "MessageAttributeName.1": "All"},
    )
    message = received.find("sqs:ReceiveMessageResult/sqs:Message", NS)
    assert message is not None
    assert message.findtext("sqs:Body", namespaces=NS) == "hello & <goodbye>"
    attribute = message.find("sqs:MessageAttribute", NS)
    assert attribute is not None
    assert attribute.findtext("sqs:Value/sqs:StringValue", namespaces=NS) == "order"
    attributes = {
        item.findtext("sqs:Name", namespaces=NS): item.findtext("sqs:Value", namespaces=NS)
        for item in message.findall("sqs:Attribute", NS)
    }
    assert attributes["ApproximateReceiveCount"] == "1"
    got = query(
        server, Action="GetQueueAttributes", QueueUrl=url or "", **{"AttributeName.1": "All"}
    )
    names = [n.text for n in got.findall("sqs:GetQueueAttributesResult/sqs:Attribute/sqs:Name", NS)]
    assert "VisibilityTimeout" in names


def test_query_protocol_errors_use_the_query_codes(server: RunningServer) -> None:
    response = httpx.get(server.url + "/", params={"Action": "GetQueueUrl", "QueueName": "nope"})
    assert response.status_code == 400
    error = ET.fromstring(response.text).find("sqs:Error", NS)
    assert error is not None
    assert error.findtext("sqs:Code", namespaces=NS) == "AWS.SimpleQueueService.NonExistentQueue"
    assert error.findtext("sqs:Type", namespaces=NS) == "Sender"
    unknown = query(server, Action="Explode")
    assert unknown.findtext("sqs:Error/sqs:Code", namespaces=NS) == "InvalidAction"


def _client(server: RunningServer, service: str, key: str, secret: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def test_required_credentials_accept_a_correct_signature(secured_server: RunningServer) -> None:
    sqs = _client(secured_server, "sqs", "AKIDORDERFLOW", "s3cr3t")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="signed")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "signed"
    events = _client(secured_server, "events", "AKIDORDERFLOW", "s3cr3t")
    assert events.list_event_buses()["EventBuses"][0]["Name"] == "default"


def test_required_credentials_refuse_others(secured_server: RunningServer) -> None:
    wrong_secret = _client(secured_server, "events", "AKIDORDERFLOW", "guess")
    with pytest.raises(ClientError) as caught:
        wrong_secret.list_event_buses()
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    unknown = _client(secured_server, "events", "AKIDSTRANGER", "s3cr3t")
    with pytest.raises(ClientError) as caught:
        unknown.list_event_buses()
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
    sqs = _client(secured_server, "sqs", "AKIDSTRANGER", "s3cr3t")
    with pytest.raises(ClientError) as caught:
        sqs.list_queues()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    unsigned = post(secured_server, "AWSEvents.ListEventBuses", b"{}", EVENTS_JSON)
    assert unsigned.status_code == 403
    assert unsigned.json()["__type"] == "MissingAuthenticationTokenException"


def test_boto3_takes_the_endpoint_from_aws_endpoint_url(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    session = boto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    url = session.client("sqs").create_queue(QueueName="from-env")["QueueUrl"]
    assert url.startswith(server.url)
    assert session.client("events").list_event_buses()["EventBuses"][0]["Name"] == "default"


def _signed_query(server: RunningServer, secret: str, path: str, **params: str) -> httpx.Response:
    """A query-protocol GET on a queue path, signed by botocore's own SigV4 signer."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=server.url + path, params=params)
    SigV4Auth(Credentials("AKIDORDERFLOW", secret), "sqs", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return httpx.get(prepared.url, headers=dict(prepared.headers))


def test_signatures_cover_the_path_and_query_string(secured_server: RunningServer) -> None:
    created = _signed_query(secured_server, "s3cr3t", "/", Action="CreateQueue", QueueName="o q")
    assert created.status_code == 400  # signed right; the name (with a space) is refused
    assert "alphanumeric" in created.text
    created = _signed_query(secured_server, "s3cr3t", "/", Action="CreateQueue", QueueName="oq")
    assert created.status_code == 200, created.text
    sent = _signed_query(
        secured_server, "s3cr3t", "/000000000000/oq", Action="SendMessage", MessageBody="a b&c"
    )
    assert sent.status_code == 200, sent.text
    forged = _signed_query(
        secured_server, "guess", "/000000000000/oq", Action="SendMessage", MessageBody="x"
    )
    assert forged.status_code == 403
    code = ET.fromstring(forged.text).findtext("sqs:Error/sqs:Code", namespaces=NS)
    assert code == "SignatureDoesNotMatch"
