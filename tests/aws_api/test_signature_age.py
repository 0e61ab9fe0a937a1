"""A SigV4 signature is good for 15 minutes either side of the server's clock, as on AWS:
a request captured and replayed later is refused, in AWS's words. The server's clock is
injected (a ``ManualClock`` set away from the real time boto3 signs with)."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from orderflow.entrypoints.aws_api import AwsApiSettings, RunningServer, serve_in_thread
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.engine import Engine

KEY, SECRET = "AKIDORDERFLOW", "s3cr3t"
NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}
MINUTE_MS = 60_000


@contextmanager
def server_ahead_by(engine: Engine, minutes: float) -> Iterator[RunningServer]:
    """The endpoint, its clock ``minutes`` ahead of the real time (negative: behind)."""
    clock = ManualClock(time.time_ns() // 1_000_000 + round(minutes * MINUTE_MS))
    settings = AwsApiSettings(credentials={KEY: SECRET}, clock=clock)
    with serve_in_thread(engine, settings=settings) as running:
        yield running


def _client(server: RunningServer, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )


def test_a_signature_dated_16_minutes_ago_is_expired(engine: Engine) -> None:
    with server_ahead_by(engine, 16) as server:
        request = AWSRequest(
            method="POST",
            url=server.url + "/",
            data={"Action": "CreateQueue", "QueueName": "replayed"},
        )
        SigV4Auth(Credentials(KEY, SECRET), "sqs", "us-east-1").add_auth(request)
        prepared = request.prepare()
        signed_at = prepared.headers["X-Amz-Date"]
        response = httpx.post(prepared.url, content=prepared.body, headers=dict(prepared.headers))
    assert response.status_code == 403
    error = ET.fromstring(response.text).find("sqs:Error", NS)
    assert error is not None
    assert error.findtext("sqs:Code", namespaces=NS) == "SignatureDoesNotMatch"
    message = error.findtext("sqs:Message", namespaces=NS) or ""
    assert message.startswith(f"Signature expired: {signed_at} is now earlier than ")
    assert message.endswith(" - 15 min.)")
    assert engine.sqs.list_queues() == []  # nothing of the refused request applied


def test_boto3_sees_the_expiry_on_both_services(engine: Engine) -> None:
    with server_ahead_by(engine, 16) as server:
        with pytest.raises(ClientError) as caught:
            _client(server, "events").put_events(
                Entries=[{"Source": "shop", "DetailType": "t", "Detail": "{}"}]
            )
        assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
        assert "Signature expired" in caught.value.response["Error"]["Message"]
        with pytest.raises(ClientError) as caught:
            _client(server, "sqs").create_queue(QueueName="late")
        assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert engine.sqs.list_queues() == []


def test_a_signature_from_the_future_is_not_yet_current(engine: Engine) -> None:
    with server_ahead_by(engine, -16) as server, pytest.raises(ClientError) as caught:
        _client(server, "sqs").list_queues()
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("Signature not yet current: ")
    assert message.endswith(" + 15 min.)")


def test_within_15_minutes_either_way_is_accepted(engine: Engine) -> None:
    for minutes in (14, -14):
        with server_ahead_by(engine, minutes) as server:
            _client(server, "sqs").create_queue(QueueName=f"ok{minutes + 20}")
    assert len(engine.sqs.list_queues()) == 2
