"""SQS's operations over the engine, for both SQS protocols.

The JSON protocol (``X-Amz-Target: AmazonSQS.<Operation>``) passes its body as is;
the query protocol (``Action=<Operation>``) passes its form nested into the same
members (``sqs_query``), and its answer is written as XML (``sqs_xml``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from orderflow.entrypoints.aws_api.params import Params
from orderflow.entrypoints.aws_responses import (
    batch_response,
    move_task,
    next_token,
    received_message,
    sent_message,
)
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.queues.errors import MissingParameter

Operation = Callable[[Engine, Params], dict[str, Any]]


def missing_member(name: str) -> MissingParameter:
    """SQS's answer to an absent required member."""
    return MissingParameter(f"The request must contain the parameter {name}.")


def _queue(params: Params) -> str:
    return params.text("QueueUrl")


def _present(member: str, values: Any) -> dict[str, Any]:
    """``{member: values}``, or nothing when there are none (as SQS answers)."""
    return {member: values} if values else {}


def create_queue(engine: Engine, params: Params) -> dict[str, Any]:
    url = engine.sqs.create_queue(
        params.text("QueueName"), params.text_map("Attributes"), params.text_map("tags")
    )
    return {"QueueUrl": url}


def delete_queue(engine: Engine, params: Params) -> dict[str, Any]:
    engine.sqs.delete_queue(_queue(params))
    return {}


def get_queue_url(engine: Engine, params: Params) -> dict[str, Any]:
    return {"QueueUrl": engine.sqs.get_queue_url(params.text("QueueName"))}


def list_queues(engine: Engine, params: Params) -> dict[str, Any]:
    page = engine.sqs.list_queues_page(
        params.optional_text("QueueNamePrefix"),
        params.optional_integer("MaxResults"),
        params.optional_text("NextToken"),
    )
    return {**_present("QueueUrls", page.items), **next_token(page)}


def get_queue_attributes(engine: Engine, params: Params) -> dict[str, Any]:
    names = params.text_list("AttributeNames") or ["All"]
    return _present("Attributes", engine.sqs.get_queue_attributes(_queue(params), names))


def set_queue_attributes(engine: Engine, params: Params) -> dict[str, Any]:
    params.required("Attributes")
    engine.sqs.set_queue_attributes(_queue(params), params.text_map("Attributes"))
    return {}


def send_message(engine: Engine, params: Params) -> dict[str, Any]:
    sent = engine.sqs.send_message(
        _queue(params),
        params.optional_text("MessageBody"),
        delay_seconds=params.optional_integer("DelaySeconds"),
        message_attributes=params.structure("MessageAttributes"),
        message_group_id=params.optional_text("MessageGroupId"),
        message_deduplication_id=params.optional_text("MessageDeduplicationId"),
        message_system_attributes=params.structure("MessageSystemAttributes"),
    )
    return sent_message(sent)


def send_message_batch(engine: Engine, params: Params) -> dict[str, Any]:
    result = engine.sqs.send_message_batch(_queue(params), params.objects("Entries"))
    return batch_response(result, sent_message, empty_lists=True)


def receive_message(engine: Engine, params: Params) -> dict[str, Any]:
    received = engine.sqs.receive_message(
        _queue(params),
        max_messages=params.integer("MaxNumberOfMessages", 1),
        visibility_timeout=params.optional_integer("VisibilityTimeout"),
        wait_time_seconds=params.optional_integer("WaitTimeSeconds"),
        attribute_names=params.text_list("AttributeNames")
        + params.text_list("MessageSystemAttributeNames"),
        message_attribute_names=params.text_list("MessageAttributeNames"),
    )
    return _present("Messages", [received_message(message) for message in received])


def delete_message(engine: Engine, params: Params) -> dict[str, Any]:
    engine.sqs.delete_message(_queue(params), params.text("ReceiptHandle"))
    return {}


def delete_message_batch(engine: Engine, params: Params) -> dict[str, Any]:
    result = engine.sqs.delete_message_batch(_queue(params), params.objects("Entries"))
    return batch_response(result, empty_lists=True)


def change_message_visibility(engine: Engine, params: Params) -> dict[str, Any]:
    timeout = params.optional_integer("VisibilityTimeout")
    if timeout is None:
        raise missing_member("VisibilityTimeout")
    engine.sqs.change_message_visibility(_queue(params), params.text("ReceiptHandle"), timeout)
    return {}


def change_message_visibility_batch(engine: Engine, params: Params) -> dict[str, Any]:
    result = engine.sqs.change_message_visibility_batch(_queue(params), params.objects("Entries"))
    return batch_response(result, empty_lists=True)


def purge_queue(engine: Engine, params: Params) -> dict[str, Any]:
    engine.sqs.purge_queue(_queue(params))
    return {}


def list_dead_letter_source_queues(engine: Engine, params: Params) -> dict[str, Any]:
    page = engine.sqs.list_dead_letter_source_queues_page(
        _queue(params), params.optional_integer("MaxResults"), params.optional_text("NextToken")
    )
    return {"queueUrls": page.items, **next_token(page)}


def start_message_move_task(engine: Engine, params: Params) -> dict[str, Any]:
    handle = engine.sqs.start_message_move_task(
        params.text("SourceArn"),
        params.optional_text("DestinationArn"),
        params.optional_integer("MaxNumberOfMessagesPerSecond"),
    )
    return {"TaskHandle": handle}


def list_message_move_tasks(engine: Engine, params: Params) -> dict[str, Any]:
    tasks = engine.sqs.list_message_move_tasks(
        params.text("SourceArn"), params.integer("MaxResults", 1)
    )
    return {"Results": [move_task(task, engine.scope) for task in tasks]}


def cancel_message_move_task(engine: Engine, params: Params) -> dict[str, Any]:
    task = engine.sqs.cancel_message_move_task(params.text("TaskHandle"))
    return {"ApproximateNumberOfMessagesMoved": task.moved}


def tag_queue(engine: Engine, params: Params) -> dict[str, Any]:
    params.required("Tags")
    engine.sqs.tag_queue(_queue(params), params.text_map("Tags"))
    return {}


def untag_queue(engine: Engine, params: Params) -> dict[str, Any]:
    params.required("TagKeys")
    engine.sqs.untag_queue(_queue(params), params.text_list("TagKeys"))
    return {}


def list_queue_tags(engine: Engine, params: Params) -> dict[str, Any]:
    return _present("Tags", engine.sqs.list_queue_tags(_queue(params)))


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateQueue": create_queue,
    "DeleteQueue": delete_queue,
    "GetQueueUrl": get_queue_url,
    "ListQueues": list_queues,
    "GetQueueAttributes": get_queue_attributes,
    "SetQueueAttributes": set_queue_attributes,
    "SendMessage": send_message,
    "SendMessageBatch": send_message_batch,
    "ReceiveMessage": receive_message,
    "DeleteMessage": delete_message,
    "DeleteMessageBatch": delete_message_batch,
    "ChangeMessageVisibility": change_message_visibility,
    "ChangeMessageVisibilityBatch": change_message_visibility_batch,
    "PurgeQueue": purge_queue,
    "ListDeadLetterSourceQueues": list_dead_letter_source_queues,
    "StartMessageMoveTask": start_message_move_task,
    "ListMessageMoveTasks": list_message_move_tasks,
    "CancelMessageMoveTask": cancel_message_move_task,
    "TagQueue": tag_queue,
    "UntagQueue": untag_queue,
    "ListQueueTags": list_queue_tags,
}
"""SQS's operations by name."""
