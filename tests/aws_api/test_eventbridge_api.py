"""Every EventBridge operation through boto3 against the endpoint: success and error
paths, with the behaviour EventBridge documents."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws_api.conftest import REGION, ClientFactory

ACCOUNT = "000000000000"
PATTERN = json.dumps({"source": ["com.example.orders"]})


def order_entry(bus: str = "default", **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Source": "com.example.orders",
        "DetailType": "OrderCreated",
        "Detail": json.dumps({"orderId": "o-1", "total": 12.5}),
        "EventBusName": bus,
    }
    entry.update(overrides)
    return entry


def queue_arn(sqs: Any, name: str) -> str:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def test_buses_are_created_described_listed_and_deleted(events: Any) -> None:
    arn = events.create_event_bus(Name="orders", Description="order events")["EventBusArn"]
    assert arn == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders"
    described = events.describe_event_bus(Name="orders")
    assert (described["Name"], described["Arn"]) == ("orders", arn)
    # [api] DescribeEventBus / ListEventBuses: Description, CreationTime, LastModifiedTime
    assert described["Description"] == "order events"
    assert abs(described["CreationTime"].timestamp() - time.time()) < 60
    assert described["LastModifiedTime"] == described["CreationTime"]
    listed = events.list_event_buses()["EventBuses"]
    assert [bus["Name"] for bus in listed] == ["default", "orders"]
    assert listed[1]["Description"] == "order events"
    assert listed[1]["CreationTime"] == described["CreationTime"]
    with pytest.raises(events.exceptions.ResourceAlreadyExistsException):
        events.create_event_bus(Name="orders")
    events.delete_event_bus(Name="orders")
    with pytest.raises(events.exceptions.ResourceNotFoundException, match="orders does not"):
        events.describe_event_bus(Name="orders")


def test_rules_follow_their_lifecycle(events: Any) -> None:
    arn = events.put_rule(Name="created", EventPattern=PATTERN, Description="d")["RuleArn"]
    assert arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/created"
    assert events.describe_rule(Name="created")["State"] == "ENABLED"
    events.disable_rule(Name="created")
    assert events.describe_rule(Name="created")["State"] == "DISABLED"
    events.enable_rule(Name="created")
    listed = events.list_rules(NamePrefix="cre")["Rules"]
    assert [(rule["Name"], rule["EventPattern"]) for rule in listed] == [("created", PATTERN)]
    events.delete_rule(Name="created")
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.describe_rule(Name="created")


def test_an_invalid_pattern_is_refused_with_aws_reason(events: Any) -> None:
    with pytest.raises(events.exceptions.InvalidEventPatternException) as caught:
        events.put_rule(Name="bad", EventPattern='{"source": "not-an-array"}')
    assert caught.value.response["Error"]["Message"].startswith(
        "Event pattern is not valid. Reason: "
    )


def test_targets_are_put_listed_found_by_arn_and_removed(events: Any, sqs: Any) -> None:
    arn = queue_arn(sqs, "orders")
    events.put_rule(Name="r", EventPattern=PATTERN)
    answer = events.put_targets(
        Rule="r", Targets=[{"Id": "q", "Arn": arn, "InputPath": "$.detail"}]
    )
    assert answer["FailedEntryCount"] == 0
    targets = events.list_targets_by_rule(Rule="r")["Targets"]
    assert [(t["Id"], t["Arn"], t["InputPath"]) for t in targets] == [("q", arn, "$.detail")]
    assert events.list_rule_names_by_target(TargetArn=arn)["RuleNames"] == ["r"]
    with pytest.raises(ClientError, match="has targets") as caught:
        events.delete_rule(Name="r")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    removed = events.remove_targets(Rule="r", Ids=["q", "missing"])
    assert removed["FailedEntryCount"] == 1
    assert removed["FailedEntries"][0]["TargetId"] == "missing"
    assert events.list_targets_by_rule(Rule="r")["Targets"] == []


def test_put_events_reports_each_entry_and_routes_to_queues_and_buses(
    events: Any, sqs: Any
) -> None:
    arn = queue_arn(sqs, "audit")
    bus_arn = events.create_event_bus(Name="audit-bus")["EventBusArn"]
    events.put_rule(Name="forward", EventPattern=PATTERN)
    events.put_targets(Rule="forward", Targets=[{"Id": "bus", "Arn": bus_arn}])
    events.put_rule(Name="keep", EventPattern=PATTERN, EventBusName="audit-bus")
    events.put_targets(Rule="keep", EventBusName="audit-bus", Targets=[{"Id": "q", "Arn": arn}])
    answer = events.put_events(Entries=[order_entry(), order_entry(Detail="not json")])
    assert answer["FailedEntryCount"] == 1
    assert "EventId" in answer["Entries"][0]
    assert answer["Entries"][1]["ErrorCode"] == "MalformedDetail"
    url = sqs.get_queue_url(QueueName="audit")["QueueUrl"]
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    event = json.loads(received[0]["Body"])
    assert (event["source"], event["detail"]["orderId"]) == ("com.example.orders", "o-1")
    assert event["region"] == REGION


def test_put_events_refuses_more_than_ten_entries(events: Any) -> None:
    with pytest.raises(ClientError) as caught:
        events.put_events(Entries=[order_entry()] * 11)
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_test_event_pattern_matches_and_validates(events: Any) -> None:
    event = {
        "id": "1",
        "account": ACCOUNT,
        "source": "com.example.orders",
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail-type": "OrderCreated",
        "detail": {},
    }
    assert events.test_event_pattern(EventPattern=PATTERN, Event=json.dumps(event))["Result"]
    other = json.dumps({"source": ["elsewhere"]})
    assert not events.test_event_pattern(EventPattern=other, Event=json.dumps(event))["Result"]
    with pytest.raises(events.exceptions.InvalidEventPatternException):
        events.test_event_pattern(EventPattern="{", Event=json.dumps(event))


def test_archives_and_replays(events: Any, sqs: Any) -> None:
    bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    created = events.create_archive(ArchiveName="all", EventSourceArn=bus_arn, RetentionDays=1)
    assert created["State"] == "ENABLED"
    before = time.time() - 5
    events.put_events(Entries=[order_entry()])
    described = events.describe_archive(ArchiveName="all")
    assert (described["EventCount"], described["RetentionDays"]) == (1, 1)
    events.update_archive(ArchiveName="all", RetentionDays=2, Description="two days")
    assert events.describe_archive(ArchiveName="all")["RetentionDays"] == 2
    assert [a["ArchiveName"] for a in events.list_archives()["Archives"]] == ["all"]
    arn = queue_arn(sqs, "replayed")
    events.put_rule(Name="r", EventPattern=PATTERN)
    events.put_targets(Rule="r", Targets=[{"Id": "q", "Arn": arn}])
    started = events.start_replay(
        ReplayName="again",
        EventSourceArn=created["ArchiveArn"],
        EventStartTime=before,
        EventEndTime=time.time() + 5,
        Destination={"Arn": bus_arn},
    )
    assert started["ReplayArn"].endswith(":replay/again")
    assert events.describe_replay(ReplayName="again")["State"] == "COMPLETED"
    assert [r["ReplayName"] for r in events.list_replays()["Replays"]] == ["again"]
    url = sqs.get_queue_url(QueueName="replayed")["QueueUrl"]
    replayed = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert replayed["replay-name"] == "again"
    with pytest.raises(ClientError) as caught:
        events.cancel_replay(ReplayName="again")
    assert caught.value.response["Error"]["Code"] == "InvalidStateException"
    events.delete_archive(ArchiveName="all")
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.describe_archive(ArchiveName="all")


def test_tags_on_buses_and_rules(events: Any) -> None:
    bus = events.create_event_bus(Name="tagged", Tags=[{"Key": "team", "Value": "a"}])
    arn = bus["EventBusArn"]
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
    tags = events.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "dev"), ("team", "a")]
    events.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "env", "Value": "dev"}
    ]
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.list_tags_for_resource(ResourceARN=arn.replace("tagged", "nope"))


def test_region_and_account_come_from_the_credentials(client: ClientFactory) -> None:
    events = client("events", region_name="ap-south-1", aws_access_key_id="123456789012")
    arn = events.put_rule(Name="r", EventPattern=PATTERN)["RuleArn"]
    assert arn == "arn:aws:events:ap-south-1:123456789012:rule/r"
