"""Engine results as AWS response documents (the JSON protocol's member names).

Shared by the CLI, which prints them as the AWS CLI does, and by the HTTP endpoint
(``orderflow.entrypoints.aws_api``), which sends them to SDKs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from orderflow.eventbus.bus import FailedEntry
from orderflow.eventbus.model.queues import MoveTask
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.pages import Page
from orderflow.eventbus.queues import BatchFailure, BatchResult, ReceivedMessage, SentMessage


def next_token(page: Page[Any]) -> dict[str, str]:
    """A list answer's NextToken member: present while more items follow."""
    return {} if page.next_token is None else {"NextToken": page.next_token}


def sent_message(sent: SentMessage) -> dict[str, str]:
    """SendMessage's answer (and one SendMessageBatch success, less its Id)."""
    shown = {"MD5OfMessageBody": sent.md5_of_body}
    if sent.md5_of_attributes is not None:
        shown["MD5OfMessageAttributes"] = sent.md5_of_attributes
    if sent.md5_of_system_attributes is not None:
        shown["MD5OfMessageSystemAttributes"] = sent.md5_of_system_attributes
    shown["MessageId"] = sent.message_id
    if sent.sequence_number is not None:
        shown["SequenceNumber"] = sent.sequence_number
    return shown


def received_message(message: ReceivedMessage) -> dict[str, Any]:
    """One message of ReceiveMessage's answer."""
    shown: dict[str, Any] = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.md5_of_body,
        "Body": message.body,
    }
    if message.attributes:
        shown["Attributes"] = message.attributes
    if message.message_attributes:
        shown["MD5OfMessageAttributes"] = message.md5_of_attributes
        shown["MessageAttributes"] = message.message_attributes
    return shown


def batch_response(
    result: BatchResult[Any],
    shape: Callable[[Any], dict[str, str]] = lambda _: {},
    *,
    empty_lists: bool = False,
) -> dict[str, Any]:
    """A batch answer: {"Successful": [...], "Failed": [...]}; an empty list is left out
    unless ``empty_lists`` (SQS sends both members; the AWS CLI prints what it got)."""
    shown: dict[str, Any] = {}
    if result.successful or empty_lists:
        shown["Successful"] = [
            {"Id": entry_id, **shape(value)} for entry_id, value in result.successful
        ]
    if result.failed or empty_lists:
        shown["Failed"] = [batch_failure(failure) for failure in result.failed]
    return shown


def batch_failure(failure: BatchFailure) -> dict[str, Any]:
    return {
        "Id": failure.id,
        "SenderFault": failure.sender_fault,
        "Code": failure.code,
        "Message": failure.message,
    }


def failed_targets(failed: Sequence[FailedEntry]) -> dict[str, Any]:
    """PutTargets' and RemoveTargets' answer."""
    return {
        "FailedEntryCount": len(failed),
        "FailedEntries": [
            {"TargetId": entry.target_id, "ErrorCode": entry.code, "ErrorMessage": entry.message}
            for entry in failed
        ],
    }


def move_task(task: MoveTask, scope: AwsScope) -> dict[str, Any]:
    """A task as ListMessageMoveTasks shows it (the handle only while it runs, as SQS)."""
    shown: dict[str, Any] = {}
    if task.status == "RUNNING":
        shown["TaskHandle"] = task.handle
    shown.update(Status=task.status, SourceArn=scope.queue_arn(task.source))
    if task.destination is not None:
        shown["DestinationArn"] = scope.queue_arn(task.destination)
    if task.max_per_second is not None:
        shown["MaxNumberOfMessagesPerSecond"] = task.max_per_second
    shown.update(
        ApproximateNumberOfMessagesMoved=task.moved,
        ApproximateNumberOfMessagesToMove=task.to_move,
    )
    if task.failure_reason is not None:
        shown["FailureReason"] = task.failure_reason
    shown["StartedTimestamp"] = task.started_ms
    return shown
