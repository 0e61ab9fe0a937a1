"""Message move tasks: re-drive a dead-letter queue back to its sources (or elsewhere).

As StartMessageMoveTask: the source must be some queue's dead-letter queue; with
no destination each message goes back to the queue it came from; one task runs
per source at a time; moved messages get a new id and start over (receive count
0). The embedded engine moves in steps of ``STEP`` messages, each its own
transaction, so progress can be shown and a crash loses nothing (a message is
either still in the DLQ or already in its destination).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Final

from orderflow.eventbus.model.queues import MoveTask, NewMessage
from orderflow.eventbus.names import queue_name_from_arn
from orderflow.eventbus.queues import attributes as attrs
from orderflow.eventbus.queues.base import QueueContext
from orderflow.eventbus.queues.errors import (
    InvalidParameterValue,
    ResourceNotFound,
    UnsupportedOperation,
)

STEP: Final = 100
_NO_SOURCE: Final = "The resource that you specified for the SourceArn parameter doesn't exist."
MAX_PER_SECOND: Final = 500


class Redrive(QueueContext):
    """StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask."""

    def start_message_move_task(
        self,
        source_arn: str,
        destination_arn: str | None = None,
        max_per_second: int | None = None,
        *,
        run: bool = True,
        progress: Callable[[MoveTask], None] | None = None,
    ) -> str:
        """Start re-driving ``source_arn``; with ``run`` (the default) move everything now.

        Returns the task handle. ``progress`` is called after every step.
        """
        source = queue_name_from_arn(source_arn)
        if source is None:
            raise InvalidParameterValue(f"Value {source_arn} for parameter SourceArn is invalid.")
        destination = None
        if destination_arn is not None:
            destination = queue_name_from_arn(destination_arn)
            if destination is None:
                raise InvalidParameterValue(
                    f"Value {destination_arn} for parameter DestinationArn is invalid."
                )
        if max_per_second is not None and not 1 <= max_per_second <= MAX_PER_SECOND:
            raise InvalidParameterValue(
                f"Value {max_per_second} for parameter MaxNumberOfMessagesPerSecond is invalid."
            )
        now = self.clock.now_ms()
        with self.store.transaction() as tx:
            if tx.get_queue(source) is None:
                raise ResourceNotFound(_NO_SOURCE)
            if destination is not None and tx.get_queue(destination) is None:
                raise ResourceNotFound(_NO_SOURCE.replace("SourceArn", "DestinationArn"))
            sources = [
                record.name
                for record in tx.list_queues()
                if (policy := record.attributes.get("RedrivePolicy"))
                and attrs.parse_redrive_policy(policy).dead_letter_queue == source
            ]
            if not sources:
                raise InvalidParameterValue(
                    "Source queue must be configured as a Dead Letter Queue."
                )
            if any(task.status == "RUNNING" for task in tx.move_tasks(source)):
                raise UnsupportedOperation(
                    "There is already a task running. Only one active task is allowed for a "
                    "source queue arn at a given time."
                )
            to_move = tx.counts(source, now)
            task = MoveTask(
                handle=_task_handle(source_arn, self.new_id()),
                source=source,
                destination=destination,
                status="RUNNING",
                started_ms=now,
                to_move=to_move.visible + to_move.in_flight + to_move.delayed,
                max_per_second=max_per_second,
            )
            tx.save_move_task(task)
        if run:
            self.run_move_task(task.handle, source, progress=progress)
        return task.handle

    def run_move_task(
        self, handle: str, source: str, *, progress: Callable[[MoveTask], None] | None = None
    ) -> MoveTask:
        """Move the task's messages, one step per transaction, until done or cancelled."""
        after = 0  # messages that cannot move (origin unknown or gone) are walked past
        while True:
            with self.store.transaction() as tx:
                task = self._task(tx.move_tasks(source), handle)
                if task.status != "RUNNING":
                    return task
                batch = tx.oldest_messages(source, STEP, after)
                after = batch[-1].seq if batch else after
                moved: list[NewMessage] = []
                doomed: list[int] = []
                now = self.clock.now_ms()
                for message in batch:
                    target = task.destination or queue_name_from_arn(
                        message.dead_letter_source or ""
                    )
                    if target is None or tx.get_queue(target) is None:
                        continue  # origin unknown or gone: the message stays in the DLQ
                    doomed.append(message.seq)
                    moved.append(
                        NewMessage(
                            queue=target,
                            message_id=self.new_id(),
                            body=message.body,
                            sent_ms=now,
                            visible_at_ms=now,
                            message_attributes=message.message_attributes,
                            group_id=message.group_id,
                            dedup_id=message.dedup_id if target.endswith(".fifo") else None,
                            trace_header=message.trace_header,
                        )
                    )
                tx.delete_messages(doomed)
                tx.add_messages(moved)
                done = len(batch) < STEP
                task = replace(
                    task,
                    moved=task.moved + len(moved),
                    status="COMPLETED" if done else "RUNNING",
                )
                tx.save_move_task(task)
            if progress is not None:
                progress(task)
            if done:
                return task

    def list_message_move_tasks(self, source_arn: str, max_results: int = 1) -> list[MoveTask]:
        """ListMessageMoveTasks: the newest tasks of a source queue."""
        source = queue_name_from_arn(source_arn)
        if source is None:
            raise InvalidParameterValue(f"Value {source_arn} for parameter SourceArn is invalid.")
        if not 1 <= max_results <= 10:
            raise InvalidParameterValue(f"Value {max_results} for parameter MaxResults is invalid.")
        with self.store.reader() as tx:
            if tx.get_queue(source) is None:
                raise ResourceNotFound(_NO_SOURCE)
            return tx.move_tasks(source)[:max_results]

    def cancel_message_move_task(self, handle: str) -> MoveTask:
        """CancelMessageMoveTask: stop a running task (what moved stays moved)."""
        source = _task_source(handle)
        with self.store.transaction() as tx:
            task = self._task(tx.move_tasks(source), handle)
            if task.status != "RUNNING":
                raise UnsupportedOperation("Only a running task can be cancelled.")
            cancelled = replace(task, status="CANCELLED")
            tx.save_move_task(cancelled)
        return cancelled

    @staticmethod
    def _task(tasks: list[MoveTask], handle: str) -> MoveTask:
        for task in tasks:
            if task.handle == handle:
                return task
        raise ResourceNotFound("Task does not exist.")


def _task_handle(source_arn: str, task_id: str) -> str:
    """An opaque task handle that names its source queue (as AWS's do)."""
    raw = json.dumps({"taskId": task_id, "sourceArn": source_arn}).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _task_source(handle: str) -> str:
    try:
        document = json.loads(base64.urlsafe_b64decode(handle.encode("ascii")))
        source = queue_name_from_arn(str(document["sourceArn"]))
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        source = None
    if source is None:
        raise ResourceNotFound("Task does not exist.")
    return source
