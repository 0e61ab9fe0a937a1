"""List operations page by page, through boto3 against the endpoint, as AWS documents them.

Sources: [sqs] https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListQueues.html
("If you specify a value for MaxResults and you have additional results after the ones
returned, the response includes a value for NextToken"; without MaxResults at most 1,000,
MaxResults 1 to 1,000), API_ListDeadLetterSourceQueues.html (the same members);
[eb] https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListRules.html and
API_ListEventBuses, API_ListTargetsByRule, API_ListRuleNamesByTarget, API_ListArchives,
API_ListReplays: Limit 1 to 100, NextToken "returned by a previous call ... to retrieve the
next set of results".
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from orderflow.entrypoints.aws_api import RunningServer
from tests.aws_api.conftest import REGION, ClientFactory

ACCOUNT = "000000000000"
DEFAULT_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"


def every_page(call: Callable[..., dict[str, Any]], member: str, **request: Any) -> list[Any]:
    """Each page's items, following NextToken to the end; every page but the last is full."""
    pages: list[list[Any]] = []
    while True:
        answer = call(**request)
        pages.append(list(answer.get(member, [])))
        if "NextToken" not in answer:
            return pages
        request["NextToken"] = answer["NextToken"]


def code_of(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


# -- SQS ------------------------------------------------------------------------------------


def test_list_queues_pages_by_max_results(sqs: Any) -> None:
    urls = [sqs.create_queue(QueueName=f"q-{n}")["QueueUrl"] for n in range(5)]
    sqs.create_queue(QueueName="other")
    pages = every_page(sqs.list_queues, "QueueUrls", QueueNamePrefix="q-", MaxResults=2)
    assert pages == [urls[0:2], urls[2:4], urls[4:5]]
    exact = every_page(sqs.list_queues, "QueueUrls", QueueNamePrefix="q-", MaxResults=5)
    assert exact == [urls]  # nothing after the last: no token
    unbounded = sqs.list_queues(QueueNamePrefix="q-")
    assert unbounded["QueueUrls"] == urls and "NextToken" not in unbounded
    paginator = sqs.get_paginator("list_queues")
    listed = [
        url
        for page in paginator.paginate(PaginationConfig={"PageSize": 4})
        for url in page["QueueUrls"]
    ]
    assert listed == sorted([*urls, sqs.get_queue_url(QueueName="other")["QueueUrl"]])


def test_list_queues_refuses_a_bad_token_or_size(sqs: Any) -> None:
    for n in range(3):
        sqs.create_queue(QueueName=f"q-{n}")
    token = sqs.list_queues(QueueNamePrefix="q-", MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as caught:
        sqs.list_queues(QueueNamePrefix="other", MaxResults=1, NextToken=token)
    assert (code_of(caught), caught.value.response["Error"]["Message"]) == (
        "InvalidParameterValue",
        "Invalid NextToken value. If you are passing in NextToken, you must not change the "
        "other request parameters.",
    )
    with pytest.raises(ClientError) as caught:
        sqs.list_queues(MaxResults=1, NextToken="garbage")
    assert code_of(caught) == "InvalidParameterValue"
    with pytest.raises(ClientError) as caught:
        sqs.list_queues(MaxResults=1001)
    assert code_of(caught) == "InvalidParameterValue"


def test_list_dead_letter_source_queues_pages(sqs: Any) -> None:
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
    policy = json.dumps({"deadLetterTargetArn": arn["QueueArn"], "maxReceiveCount": 3})
    sources = [
        sqs.create_queue(QueueName=f"src-{n}", Attributes={"RedrivePolicy": policy})["QueueUrl"]
        for n in range(3)
    ]
    pages = every_page(sqs.list_dead_letter_source_queues, "queueUrls", QueueUrl=dlq, MaxResults=2)
    assert pages == [sources[0:2], sources[2:3]]


def test_the_query_protocol_carries_the_next_token(server: RunningServer) -> None:
    for n in range(2):
        httpx.post(server.url + "/", data={"Action": "CreateQueue", "QueueName": f"q-{n}"})
    ns = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}
    first = ET.fromstring(
        httpx.post(server.url + "/", data={"Action": "ListQueues", "MaxResults": "1"}).text
    )
    token = first.findtext("sqs:ListQueuesResult/sqs:NextToken", namespaces=ns)
    assert token
    second = ET.fromstring(
        httpx.post(
            server.url + "/", data={"Action": "ListQueues", "MaxResults": "1", "NextToken": token}
        ).text
    )
    urls = [e.text for e in second.findall("sqs:ListQueuesResult/sqs:QueueUrl", ns)]
    assert urls == [f"{server.url}/{ACCOUNT}/q-1"]
    assert second.find("sqs:ListQueuesResult/sqs:NextToken", ns) is None


# -- EventBridge ---------------------------------------------------------------------------------


def test_list_event_buses_and_rules_page_by_limit(events: Any) -> None:
    for name in ("b-1", "b-2", "b-3"):
        events.create_event_bus(Name=name)
    buses = every_page(events.list_event_buses, "EventBuses", Limit=2)
    assert [[bus["Name"] for bus in page] for page in buses] == [["b-1", "b-2"], ["b-3", "default"]]
    pattern = json.dumps({"source": ["shop"]})
    for n in range(5):
        events.put_rule(Name=f"r-{n}", EventPattern=pattern, EventBusName="b-1")
    rules = every_page(events.list_rules, "Rules", EventBusName="b-1", NamePrefix="r-", Limit=2)
    assert [[rule["Name"] for rule in page] for page in rules] == [
        ["r-0", "r-1"],
        ["r-2", "r-3"],
        ["r-4"],
    ]
    assert "NextToken" not in events.list_rules(EventBusName="b-1")  # no Limit: every rule


def test_targets_and_rule_names_by_target_page_by_limit(events: Any, sqs: Any) -> None:
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = json.dumps({"source": ["shop"]})
    for n in range(3):
        events.put_rule(Name=f"r-{n}", EventPattern=pattern)
        events.put_targets(Rule=f"r-{n}", Targets=[{"Id": "inbox", "Arn": arn}])
    events.put_targets(Rule="r-0", Targets=[{"Id": f"t-{n}", "Arn": arn} for n in range(4)])
    targets = every_page(events.list_targets_by_rule, "Targets", Rule="r-0", Limit=3)
    assert [[target["Id"] for target in page] for page in targets] == [
        ["inbox", "t-0", "t-1"],
        ["t-2", "t-3"],
    ]
    names = every_page(events.list_rule_names_by_target, "RuleNames", TargetArn=arn, Limit=2)
    assert names == [["r-0", "r-1"], ["r-2"]]


def test_archives_and_replays_page_by_limit(events: Any) -> None:
    archives = [
        events.create_archive(ArchiveName=f"a-{n}", EventSourceArn=DEFAULT_BUS)["ArchiveArn"]
        for n in range(3)
    ]
    pages = every_page(events.list_archives, "Archives", Limit=2)
    assert [[a["ArchiveName"] for a in page] for page in pages] == [["a-0", "a-1"], ["a-2"]]
    now = time.time()
    for n in range(3):
        events.start_replay(
            ReplayName=f"p-{n}",
            EventSourceArn=archives[0],
            EventStartTime=now - 60,
            EventEndTime=now - 30,
            Destination={"Arn": DEFAULT_BUS},
        )
    replays = every_page(events.list_replays, "Replays", Limit=2)
    assert [[r["ReplayName"] for r in page] for page in replays] == [["p-0", "p-1"], ["p-2"]]


def test_a_limit_out_of_range_or_a_foreign_token_is_a_validation_exception(
    events: Any, client: ClientFactory
) -> None:
    unchecked = client("events", config=Config(parameter_validation=False))  # as a raw caller
    for limit in (0, 101):
        with pytest.raises(ClientError) as caught:
            unchecked.list_rules(Limit=limit)
        assert code_of(caught) == "ValidationException"
    with pytest.raises(ClientError) as caught:
        events.list_rules(Limit=1, NextToken="not-a-token")
    assert code_of(caught) == "ValidationException"
    events.create_event_bus(Name="b-1")
    token = events.list_event_buses(Limit=1)["NextToken"]
    with pytest.raises(ClientError) as caught:
        events.list_rules(Limit=1, NextToken=token)  # another list's token
    assert code_of(caught) == "ValidationException"
