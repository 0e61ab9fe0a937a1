"""Sending, receiving and deleting messages, with SQS's semantics.

- A received message is invisible to every other receiver for the visibility
  timeout (the store's write transaction makes receiving exclusive, across
  processes too); it comes back if not deleted in time.
- Past ``maxReceiveCount`` receives, the next receive moves it to the queue's
  dead-letter queue instead of returning it (RedrivePolicy).
- Long polling (``WaitTimeSeconds``) waits for a commit (by any process) that signals
  the queue, or for its next message to become visible.
- Messages older than the retention period are dropped.
- FIFO queues (``fifo``): a send names its message group and is deduplicated for 5
  minutes; a receive takes, of each group, messages in order and only while none of the
  group's is in flight (the store's ``claim_visible(..., by_group=True)``).
- A message stays in flight at most 12 hours from its receive (ChangeMessageVisibility).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

from orderflow.eventbus.model.queues import NewMessage, QueueRecord, Reception, StoredMessage
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.queues import attributes as attrs
from orderflow.eventbus.queues import fifo
from orderflow.eventbus.queues import messages as msgs
from orderflow.eventbus.queues.base import QueueContext
from orderflow.eventbus.queues.batches import BatchResult, check_entries
from orderflow.eventbus.queues.errors import (
    BatchRequestTooLong,
    InvalidParameterValue,
    MessageNotInflight,
    PurgeQueueInProgress,
    SqsError,
)
from orderflow.eventbus.queues.receipts import make_handle, read_handle, received_at

MAX_RECEIVE: Final = 10
MAX_WAIT_SECONDS: Final = 20
MAX_VISIBILITY: Final = 43_200
MAX_DELAY: Final = 900
PURGE_INTERVAL_MS: Final = 60_000
EXPIRY_SWEEP_MS: Final = 1_000
MAX_BATCH_BYTES: Final = 1_048_576
"""The service's limit on a batch's total payload (each message also obeys its queue's)."""
_POLL_SLICE_S: Final = 1.0
"""The longest a long poll trusts the store's signal before looking again anyway."""
_NEVER_MS: Final = 2**62

T = TypeVar("T")
_Look = tuple[T | None, int | None, float]
"""What a long poll's look found (None or empty: nothing), when the queue's next message
becomes visible (ms, if known), and how long the poll may wait (s)."""


@dataclass(frozen=True)
class SentMessage:
    """What SendMessage answers."""

    message_id: str
    md5_of_body: str
    md5_of_attributes: str | None
    sequence_number: str | None = None  # FIFO queues only
    md5_of_system_attributes: str | None = None  # with an AWSTraceHeader


@dataclass(frozen=True)
class VisibleMessage:
    """A message that was visible when ``wait_for_messages`` looked (not received)."""

    message_id: str
    body: str


@dataclass(frozen=True)
class ReceivedMessage:
    """A message as ReceiveMessage returns it."""

    message_id: str
    receipt_handle: str
    body: str
    md5_of_body: str
    attributes: dict[str, str] = field(default_factory=dict)
    message_attributes: msgs.MessageAttributes = field(default_factory=dict)
    md5_of_attributes: str | None = None


SYSTEM_ATTRIBUTES: Final = frozenset(
    {
        "SenderId",
        "SentTimestamp",
        "ApproximateReceiveCount",
        "ApproximateFirstReceiveTimestamp",
        "MessageGroupId",
        "MessageDeduplicationId",
        "DeadLetterQueueSourceArn",
        "SequenceNumber",
        "AWSTraceHeader",
    }
)


def _in_range(name: str, value: int | None, low: int, high: int) -> None:
    if value is not None and not low <= value <= high:
        raise InvalidParameterValue(
            f"Value {value} for parameter {name} is invalid. Reason: Must be between {low} and "
            f"{high}, if provided."
        )


class Delivery(QueueContext):
    """The message operations of the queues."""

    # -- sending ---------------------------------------------------------------

    def send_message(
        self,
        queue: str,
        body: str | None,
        *,
        delay_seconds: int | None = None,
        message_attributes: Mapping[str, Any] | None = None,
        message_group_id: str | None = None,
        message_deduplication_id: str | None = None,
        message_system_attributes: Mapping[str, Any] | None = None,
    ) -> SentMessage:
        """SendMessage."""
        name = self.name_of(queue)
        now = self.clock.now_ms()
        with self.store.transaction() as tx:
            record = self.existing(tx, name)
            message, sent = self._prepare(
                record,
                body,
                delay_seconds,
                message_attributes,
                now,
                ids=(message_group_id, message_deduplication_id),
                system=message_system_attributes,
            )
            if not record.fifo:
                tx.add_messages([message])
                return sent
            return self._store_fifo(tx, record, message, sent, now)

    @staticmethod
    def _store_fifo(
        tx: StoreTransaction, record: QueueRecord, message: NewMessage, sent: SentMessage, now: int
    ) -> SentMessage:
        stored = fifo.store(tx, record, message, now)
        return replace(
            sent,
            message_id=stored.message_id,
            sequence_number=fifo.sequence_number(stored.seq),
        )

    def send_message_batch(
        self, queue: str, entries: Sequence[Mapping[str, Any]]
    ) -> BatchResult[SentMessage]:
        """SendMessageBatch: each entry ``{Id, MessageBody, DelaySeconds?, MessageAttributes?,
        MessageSystemAttributes?, MessageGroupId?, MessageDeduplicationId?}``."""
        check_entries(entries, "SendMessageBatchRequestEntry")
        name = self.name_of(queue)
        now = self.clock.now_ms()
        result: BatchResult[SentMessage] = BatchResult()
        with self.store.transaction() as tx:
            record = self.existing(tx, name)
            total = sum(
                len(str(entry.get("MessageBody", "")).encode("utf-8", "surrogatepass"))
                for entry in entries
            )
            if total > MAX_BATCH_BYTES:
                raise _batch_too_long(MAX_BATCH_BYTES, total)
            ready: list[NewMessage] = []
            for entry in entries:
                try:
                    message, sent = self._prepare(
                        record,
                        entry.get("MessageBody"),
                        entry.get("DelaySeconds"),
                        entry.get("MessageAttributes"),
                        now,
                        ids=(entry.get("MessageGroupId"), entry.get("MessageDeduplicationId")),
                        system=entry.get("MessageSystemAttributes"),
                    )
                except SqsError as error:
                    result.fail(str(entry["Id"]), error, sender_fault=True)
                    continue
                if record.fifo:  # in order: a later entry may repeat an earlier one's id
                    sent = self._store_fifo(tx, record, message, sent, now)
                else:
                    ready.append(message)
                result.succeed(str(entry["Id"]), sent)
            tx.add_messages(ready)
        return result

    def _prepare(
        self,
        record: QueueRecord,
        body: str | None,
        delay_seconds: int | None,
        message_attributes: Mapping[str, Any] | None,
        now: int,
        *,
        ids: tuple[Any, Any] = (None, None),
        system: Mapping[str, Any] | None = None,
    ) -> tuple[NewMessage, SentMessage]:
        _in_range("DelaySeconds", delay_seconds, 0, MAX_DELAY)
        checked, attributes_size = msgs.check_attributes(message_attributes)
        trace_header = msgs.check_system_attributes(system)
        limit = int(record.attributes["MaximumMessageSize"])
        text = msgs.check_body(body, limit, attributes_size)
        group_id, dedup_id = fifo.check_ids(
            record, text, _optional_text(ids[0]), _optional_text(ids[1]), delay_seconds
        )
        delay = record.attributes["DelaySeconds"] if delay_seconds is None else delay_seconds
        message_id = self.new_id()
        message = NewMessage(
            queue=record.name,
            message_id=message_id,
            body=text,
            sent_ms=now,
            visible_at_ms=now + int(delay) * 1000,
            message_attributes=msgs.encode_attributes(checked),
            group_id=group_id,
            dedup_id=dedup_id,
            trace_header=trace_header,
        )
        sent = SentMessage(
            message_id,
            msgs.body_md5(text),
            msgs.attributes_md5(checked),
            md5_of_system_attributes=msgs.system_attributes_md5(trace_header),
        )
        return message, sent

    # -- receiving -------------------------------------------------------------

    def receive_message(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        visibility_timeout: int | None = None,
        wait_time_seconds: int | None = None,
        attribute_names: Iterable[str] = (),
        message_attribute_names: Iterable[str] = (),
    ) -> list[ReceivedMessage]:
        """ReceiveMessage, long-polling up to ``wait_time_seconds`` (or the queue's setting)."""
        _in_range("MaxNumberOfMessages", max_messages, 1, MAX_RECEIVE)
        _in_range("VisibilityTimeout", visibility_timeout, 0, MAX_VISIBILITY)
        _in_range("WaitTimeSeconds", wait_time_seconds, 0, MAX_WAIT_SECONDS)
        name = self.name_of(queue)
        wanted_system = set(attribute_names)
        wanted_user = set(message_attribute_names)

        def look() -> _Look[list[tuple[StoredMessage, Reception]]]:
            received, queue_wait_s, next_visible_ms = self._receive_once(
                name, max_messages, visibility_timeout
            )
            wait_s = queue_wait_s if wait_time_seconds is None else wait_time_seconds
            return received, next_visible_ms, wait_s

        received = self._long_poll(name, look) or []
        return [
            _shape(message, reception, wanted_system, wanted_user)
            for message, reception in received
        ]

    def wait_for_messages(
        self, queue: str, *, wait_time_seconds: int, max_messages: int = 1
    ) -> list[VisibleMessage]:
        """Up to ``max_messages`` of the messages visible in ``queue``, long-polling up to
        ``wait_time_seconds`` for one, without receiving them (and without the write lock):
        for a consumer that receives inside a transaction of its own (``receive_message_in``)
        and reads the bodies ahead, outside it. Another receiver may take them meanwhile."""
        _in_range("WaitTimeSeconds", wait_time_seconds, 0, MAX_WAIT_SECONDS)
        _in_range("MaxNumberOfMessages", max_messages, 1, MAX_RECEIVE)
        name = self.name_of(queue)

        def look() -> _Look[list[VisibleMessage]]:
            with self.store.reader() as tx:
                self.existing(tx, name)
                following = tx.visible_messages(name, _NEVER_MS, max_messages)
            now = self.clock.now_ms()
            visible = [
                VisibleMessage(m.message_id, m.body) for m in following if m.visible_at_ms <= now
            ]
            return visible, following[0].visible_at_ms if following else None, wait_time_seconds

        return self._long_poll(name, look) or []

    def queue_signal(self, queue: str) -> int:
        """The store's signal of ``queue`` (``EngineStore.queue_signal``), for a consumer
        that receives in transactions of its own and waits between them."""
        return self.store.queue_signal(self.name_of(queue))

    def wait_for_signal(self, queue: str, seen: int, timeout_s: float) -> None:
        """Wait until the signal of ``queue`` moves past ``seen``, or ``timeout_s`` passed."""
        self.store.wait_for_signal(self.name_of(queue), seen, timeout_s)

    def _long_poll(self, name: str, look: Callable[[], _Look[T]]) -> T | None:
        """What ``look`` finds in queue ``name``, looking again whenever a commit signals
        the queue or its next message (as ``look`` says) becomes visible, until the wait
        ``look`` gives (at its first look) has passed; None if nothing came."""
        deadline: float | None = None
        while True:
            signal = self.store.queue_signal(name)  # before looking: no commit slips between
            found, next_visible_ms, wait_s = look()
            if found:
                return found
            if deadline is None:
                deadline = time.monotonic() + wait_s
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            pause = min(remaining, _POLL_SLICE_S)
            if next_visible_ms is not None:
                pause = min(pause, max(0.0, (next_visible_ms - self.clock.now_ms()) / 1000))
            self.store.wait_for_signal(name, signal, pause)

    def receive_message_in(
        self,
        tx: StoreTransaction,
        queue: str,
        *,
        max_messages: int = 1,
        visibility_timeout: int | None = None,
        attribute_names: Iterable[str] = (),
        message_attribute_names: Iterable[str] = (),
    ) -> list[ReceivedMessage]:
        """ReceiveMessage inside the caller's write transaction, without waiting: the
        messages are received (their receive count up, invisible for the visibility
        timeout) only if what else the caller wrote commits; a consumer that handles and
        deletes them in the same transaction spares a commit. Rolled back, it is as if
        they were never received."""
        _in_range("MaxNumberOfMessages", max_messages, 1, MAX_RECEIVE)
        _in_range("VisibilityTimeout", visibility_timeout, 0, MAX_VISIBILITY)
        name = self.name_of(queue)
        record = self.existing(tx, name)
        now = self.clock.now_ms()
        looked = None
        if self._sweep_due(name, now):  # in a write transaction already: expire, no look first
            looked = int(record.attributes["MessageRetentionPeriod"]) * 1000, True
        received = self._take(
            tx,
            record,
            now,
            max_messages=max_messages,
            visibility_timeout=visibility_timeout,
            looked=looked,
        )
        wanted_system, wanted_user = set(attribute_names), set(message_attribute_names)
        return [
            _shape(message, reception, wanted_system, wanted_user)
            for message, reception in received
        ]

    def _receive_once(
        self, name: str, max_messages: int, visibility_timeout: int | None
    ) -> tuple[list[tuple[StoredMessage, Reception]], int, int | None]:
        """The messages received (as stored before this receive, with what it changed), the
        queue's wait time, and when none: when its next message becomes visible, if known."""
        now = self.clock.now_ms()
        looked = self._look_for_expired(name, now)
        if looked is None:
            # Nothing to expire: look in a read transaction first, so that an empty poll
            # never takes the write lock, which every other writer is waiting for; the
            # first message in visibility order says when the next one becomes visible.
            with self.store.reader() as tx:
                record = self.existing(tx, name)
                wait = int(record.attributes["ReceiveMessageWaitTimeSeconds"])
                following = tx.visible_messages(name, _NEVER_MS, 1)
                if not following:
                    return [], wait, _NEVER_MS
                if following[0].visible_at_ms > now:
                    return [], wait, following[0].visible_at_ms
        with self.store.transaction() as tx:
            record = self.existing(tx, name)
            received = self._take(
                tx,
                record,
                now,
                max_messages=max_messages,
                visibility_timeout=visibility_timeout,
                looked=looked,
            )
        return received, int(record.attributes["ReceiveMessageWaitTimeSeconds"]), None

    def _take(
        self,
        tx: StoreTransaction,
        record: QueueRecord,
        now: int,
        *,
        max_messages: int,
        visibility_timeout: int | None,
        looked: tuple[int, bool] | None,
    ) -> list[tuple[StoredMessage, Reception]]:
        """Receive in ``tx``: up to ``max_messages`` visible messages of ``record``'s queue,
        after expiring old ones (``looked``) and moving spent ones to its DLQ."""
        name = record.name
        settings = record.attributes
        timeout = (
            int(settings["VisibilityTimeout"]) if visibility_timeout is None else visibility_timeout
        )
        if looked is not None:
            self._expire(tx, record, now, looked)
        redrive = settings.get("RedrivePolicy")
        policy = attrs.parse_redrive_policy(redrive) if redrive else None
        chosen: list[StoredMessage] = []
        taken: set[int] = set()
        while len(chosen) < max_messages:
            # Chosen messages are still visible until marked below: skip them when a
            # second look is needed after moving spent ones to the DLQ.
            candidates = [
                message
                for message in tx.claim_visible(
                    name, now, max_messages + len(taken), by_group=record.fifo
                )
                if message.seq not in taken
            ][: max_messages - len(chosen)]
            if not candidates:
                break
            spent: list[StoredMessage] = []
            if policy is not None:
                spent = [m for m in candidates if m.receive_count >= policy.max_receive_count]
                if spent:
                    self._to_dead_letter_queue(tx, record, policy, spent)
            deliver = [m for m in candidates if m not in spent]
            chosen.extend(deliver)
            taken.update(m.seq for m in deliver)
            if not spent:
                break
        receptions = [
            Reception(
                message.seq,
                now + timeout * 1000,
                message.receive_count + 1,
                message.first_receive_ms or now,
                make_handle(name, message.seq, self.new_id(), now),
            )
            for message in chosen
        ]
        tx.mark_received(receptions)
        return list(zip(chosen, receptions, strict=True))

    def _to_dead_letter_queue(
        self,
        tx: StoreTransaction,
        record: QueueRecord,
        policy: attrs.RedrivePolicy,
        spent: Sequence[StoredMessage],
    ) -> None:
        """Move messages past maxReceiveCount to the DLQ (dropped if the DLQ is gone)."""
        tx.delete_messages([message.seq for message in spent])
        if tx.get_queue(policy.dead_letter_queue) is None:
            return
        source_arn = self.scope.queue_arn(record.name)
        tx.add_messages(
            [
                NewMessage(
                    queue=policy.dead_letter_queue,
                    message_id=message.message_id,
                    body=message.body,
                    sent_ms=message.sent_ms,
                    visible_at_ms=self.clock.now_ms(),
                    message_attributes=message.message_attributes,
                    receive_count=message.receive_count,
                    first_receive_ms=message.first_receive_ms,
                    group_id=message.group_id,
                    dedup_id=message.dedup_id,
                    dead_letter_source=source_arn,
                    trace_header=message.trace_header,
                )
                for message in spent
            ]
        )

    def _sweep_due(self, name: str, now: int) -> bool:
        """Whether ``name``'s messages are due for the retention check (at most once a
        second per queue); a due check counts as done."""
        swept = self.last_sweep.get(name)
        if swept is not None and 0 <= now - swept < EXPIRY_SWEEP_MS:
            return False
        self.last_sweep[name] = now
        return True

    def _look_for_expired(self, name: str, now: int) -> tuple[int, bool] | None:
        """Whether ``name`` holds messages past its retention period, checked at most once a
        second per queue, in a read transaction: the check reads the whole queue, and
        outside the write transaction it holds up no other writer. None when no check is
        due, else (the retention period it used in ms, whether any message is past it)."""
        if not self._sweep_due(name, now):
            return None
        with self.store.reader() as tx:
            record = tx.get_queue(name)
            if record is None:
                return None
            retention_ms = int(record.attributes["MessageRetentionPeriod"]) * 1000
            return retention_ms, tx.has_expired(name, now - retention_ms)

    @staticmethod
    def _expire(
        tx: StoreTransaction, record: QueueRecord, now: int, looked: tuple[int, bool]
    ) -> None:
        """Drop the messages past the retention period, if the check found any (or if the
        retention period changed since)."""
        retention_ms = int(record.attributes["MessageRetentionPeriod"]) * 1000
        if looked != (retention_ms, False):
            tx.expire(record.name, now - retention_ms)

    # -- deleting and changing visibility ----------------------------------------

    def delete_message(self, queue: str, receipt_handle: str) -> None:
        """DeleteMessage. A stale handle (the message was received again since) deletes
        nothing, and a handle of a message already deleted succeeds, as on SQS."""
        name = self.name_of(queue)
        seq = read_handle(name, receipt_handle)
        with self.store.transaction() as tx:
            self.existing(tx, name)
            message = tx.message(seq)
            if message is not None and message.receipt_handle == receipt_handle:
                tx.delete_messages([message.seq])

    def delete_message_batch(
        self, queue: str, entries: Sequence[Mapping[str, Any]]
    ) -> BatchResult[None]:
        """DeleteMessageBatch: each entry ``{Id, ReceiptHandle}``."""
        check_entries(entries, "DeleteMessageBatchRequestEntry")
        with self.store.transaction() as tx:
            return self.delete_message_batch_in(tx, queue, entries)

    def delete_message_batch_in(
        self, tx: StoreTransaction, queue: str, entries: Sequence[Mapping[str, Any]]
    ) -> BatchResult[None]:
        """DeleteMessageBatch inside the caller's write transaction: the messages are gone
        only if what else the caller wrote commits (a consumer's effects, for example)."""
        check_entries(entries, "DeleteMessageBatchRequestEntry")
        name = self.name_of(queue)
        result: BatchResult[None] = BatchResult()
        self.existing(tx, name)
        wanted: dict[int, str] = {}
        for entry in entries:
            handle = str(entry.get("ReceiptHandle", ""))
            try:
                wanted[read_handle(name, handle)] = handle
            except SqsError as error:
                result.fail(str(entry["Id"]), error, sender_fault=True)
                continue
            result.succeed(str(entry["Id"]), None)
        tx.delete_received(list(wanted.items()))
        return result

    def change_message_visibility(
        self, queue: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        """ChangeMessageVisibility: make an in-flight message visible again in N seconds."""
        with self.store.transaction() as tx:
            self.change_message_visibility_in(tx, queue, receipt_handle, visibility_timeout)

    def change_message_visibility_in(
        self, tx: StoreTransaction, queue: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        """ChangeMessageVisibility inside the caller's write transaction."""
        _in_range("VisibilityTimeout", visibility_timeout, 0, MAX_VISIBILITY)
        name = self.name_of(queue)
        seq = read_handle(name, receipt_handle)
        now = self.clock.now_ms()
        self.existing(tx, name)
        message = tx.message(seq)
        if message is None or message.receipt_handle != receipt_handle:  # deleted, or stale
            raise InvalidParameterValue(
                f"Value {receipt_handle} for parameter ReceiptHandle is invalid. Reason: "
                "Message does not exist or is not available for visibility timeout change."
            )
        if message.visible_at_ms <= now:  # its visibility timeout is over (or was set to 0)
            raise MessageNotInflight("The specified message isn't in flight.")
        received = received_at(name, receipt_handle)
        # In whole seconds since the receive, as the timeout itself is given.
        if received is not None and (now - received) // 1000 + visibility_timeout > MAX_VISIBILITY:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: "
                f"Total VisibilityTimeout for the message is beyond the limit [{MAX_VISIBILITY} "
                "seconds]."
            )
        tx.set_visible_at(message.seq, now + visibility_timeout * 1000)

    def change_message_visibility_batch(
        self, queue: str, entries: Sequence[Mapping[str, Any]]
    ) -> BatchResult[None]:
        """ChangeMessageVisibilityBatch: each entry ``{Id, ReceiptHandle, VisibilityTimeout}``."""
        check_entries(entries, "ChangeMessageVisibilityBatchRequestEntry")
        result: BatchResult[None] = BatchResult()
        for entry in entries:
            try:
                handle = str(entry.get("ReceiptHandle", ""))
                timeout = int(entry.get("VisibilityTimeout", 0))
                self.change_message_visibility(queue, handle, timeout)
            except SqsError as error:
                result.fail(str(entry["Id"]), error, sender_fault=True)
                continue
            result.succeed(str(entry["Id"]), None)
        return result

    def purge_queue(self, queue: str) -> int:
        """PurgeQueue (at most once a minute per queue, as on SQS); how many were dropped."""
        name = self.name_of(queue)
        now = self.clock.now_ms()
        with self.store.transaction() as tx:
            record = self.existing(tx, name)
            if record.last_purge_ms is not None and now - record.last_purge_ms < PURGE_INTERVAL_MS:
                raise PurgeQueueInProgress(
                    f"Only one PurgeQueue operation on {name} is allowed every 60 seconds."
                )
            dropped = tx.purge(name)
            tx.save_queue(replace(record, last_purge_ms=now))
        return dropped


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _batch_too_long(limit: int, total: int) -> SqsError:
    return BatchRequestTooLong(
        f"Batch requests cannot be longer than {limit} bytes. You have sent {total} bytes."
    )


def _shape(
    message: StoredMessage,
    reception: Reception,
    wanted_system: set[str],
    wanted_user: set[str],
) -> ReceivedMessage:
    """A received message as ReceiveMessage returns it (``message`` as it was stored before
    this receive, ``reception`` what the receive changed)."""
    system: dict[str, str] = {}
    if wanted_system:
        system = {
            "SenderId": "AIDAORDERFLOWLOCAL",
            "SentTimestamp": str(message.sent_ms),
            "ApproximateReceiveCount": str(reception.receive_count),
            "ApproximateFirstReceiveTimestamp": str(reception.first_receive_ms),
        }
        if message.dead_letter_source:
            system["DeadLetterQueueSourceArn"] = message.dead_letter_source
        if message.trace_header is not None:
            system["AWSTraceHeader"] = message.trace_header
        if message.group_id is not None:
            system["MessageGroupId"] = message.group_id
        if message.dedup_id is not None:  # FIFO queues only
            system["MessageDeduplicationId"] = message.dedup_id
            system["SequenceNumber"] = fifo.sequence_number(message.seq)
        if "All" not in wanted_system:
            system = {key: value for key, value in system.items() if key in wanted_system}
    stored = msgs.decode_attributes(message.message_attributes)
    if not stored:
        chosen: msgs.MessageAttributes = stored
    elif "All" in wanted_user or ".*" in wanted_user:
        chosen = stored
    else:
        chosen = {
            key: value
            for key, value in stored.items()
            if key in wanted_user
            or any(p.endswith(".*") and key.startswith(p[:-1]) for p in wanted_user)
        }
    return ReceivedMessage(
        message_id=message.message_id,
        receipt_handle=reception.receipt_handle,
        body=message.body,
        md5_of_body=msgs.body_md5(message.body),
        attributes=system,
        message_attributes=chosen,
        md5_of_attributes=msgs.attributes_md5(chosen),
    )
