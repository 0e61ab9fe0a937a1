"""Creating, describing, changing and deleting queues (CreateQueue, GetQueueAttributes, ...)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final

from orderflow.eventbus.model.queues import QueueRecord
from orderflow.eventbus.pages import Page, paginate
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.queues import attributes as attrs
from orderflow.eventbus.queues import messages as msgs
from orderflow.eventbus.queues.base import QueueContext, check_queue_name
from orderflow.eventbus.queues.errors import (
    InvalidAttributeName,
    InvalidParameterValue,
    QueueDeletedRecently,
    QueueNameExists,
)

MAX_TAGS: Final = 50
LIST_LIMIT: Final = 1000
DELETED_RECENTLY_MS: Final = 60_000
"""How long after DeleteQueue its name cannot be created again."""


@dataclass(frozen=True)
class PeekedMessage:
    """A message as ReceiveMessage would show it (without a receipt handle), looked at
    without being received."""

    message_id: str
    body: str
    md5_of_body: str
    attributes: dict[str, str]  # SentTimestamp, ApproximateReceiveCount, ... as SQS names them
    message_attributes: msgs.MessageAttributes


class QueueAdmin(QueueContext):
    """The queue-management operations."""

    def create_queue(
        self,
        name: str,
        attributes: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """CreateQueue: the queue's URL (an existing identical queue is returned as is)."""
        check_queue_name(name)
        fifo = name.endswith(".fifo")
        wanted = attrs.validate(attributes or {}, fifo=fifo, creating=True)
        if fifo != (wanted.get("FifoQueue") == "true"):
            raise InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, "
                "or underscores, must end with .fifo suffix and be 1 to 80 in length."
            )
        now = self.clock.now_ms()
        with self.store.transaction() as tx:
            existing = tx.get_queue(name)
            if existing is not None:
                for key, value in wanted.items():
                    if existing.attributes.get(key) != value:
                        raise QueueNameExists(
                            "A queue already exists with the same name and a different value "
                            f"for attribute {key}"
                        )
                return self.scope.queue_url(name)
            deleted = tx.queue_deleted_at(name)
            if deleted is not None and 0 <= now - deleted < DELETED_RECENTLY_MS:
                raise QueueDeletedRecently(
                    "You must wait 60 seconds after deleting a queue before you can create "
                    "another with the same name."
                )
            self._check_redrive(tx, name, wanted, as_given=attributes or {})
            values = {**attrs.defaults(fifo), **wanted}
            tx.save_queue(QueueRecord(name, values, now, now, dict(tags or {})))
            tx.bump_topology()  # routing caches queue settings
        return self.scope.queue_url(name)

    def delete_queue(self, queue: str) -> None:
        """DeleteQueue: the queue and its messages are gone."""
        name = self.name_of(queue)
        with self.store.transaction() as tx:
            self.existing(tx, name)
            tx.delete_queue(name)
            tx.note_queue_deleted(name, self.clock.now_ms())
            tx.bump_topology()

    def get_queue_url(self, name: str) -> str:
        """GetQueueUrl."""
        with self.store.reader() as tx:
            self.existing(tx, name)
        return self.scope.queue_url(name)

    def list_queues(self, prefix: str | None = None, max_results: int | None = None) -> list[str]:
        """ListQueues: URLs of the queues whose name starts with ``prefix``, by name."""
        return self.list_queues_page(prefix, max_results).items

    def list_queues_page(
        self,
        prefix: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> Page[str]:
        """ListQueues with its NextToken: at most ``max_results`` URLs (else 1000, and no
        token, as SQS answers), after the page ``next_token`` ended."""
        with self.store.reader() as tx:
            names = sorted(record.name for record in tx.list_queues())
        chosen = [name for name in names if prefix is None or name.startswith(prefix)]
        return self._urls_page(chosen, max_results, next_token, f"ListQueues/{prefix or ''}")

    def _urls_page(
        self, names: list[str], max_results: int | None, next_token: str | None, scope: str
    ) -> Page[str]:
        if max_results is not None and not 1 <= max_results <= LIST_LIMIT:
            raise InvalidParameterValue(
                f"Value {max_results} for parameter MaxResults is invalid. Reason: MaxResults "
                f"must be an integer between 1 and {LIST_LIMIT}."
            )
        page = paginate(
            names,
            lambda name: name,
            limit=max_results,
            token=next_token,
            scope=scope,
            invalid=_invalid_token,
        )
        if max_results is None:  # no MaxResults: the first 1000, never a token
            page = Page(page.items[:LIST_LIMIT])
        return Page([self.scope.queue_url(name) for name in page.items], page.next_token)

    def get_queue_attributes(self, queue: str, names: Iterable[str] = ("All",)) -> dict[str, str]:
        """GetQueueAttributes: the settable ones and the approximate counts."""
        wanted = set(names)
        unknown = wanted - attrs.ALL_NAMES - {"All"}
        if unknown:
            raise InvalidAttributeName(f"Unknown Attribute {sorted(unknown)[0]}.")
        name = self.name_of(queue)
        now = self.clock.now_ms()
        with self.store.reader() as tx:
            record = self.existing(tx, name)
            counts = tx.counts(name, now)
        values = attrs.as_returned(record.attributes)
        values.update(
            QueueArn=self.scope.queue_arn(name),
            ApproximateNumberOfMessages=str(counts.visible),
            ApproximateNumberOfMessagesNotVisible=str(counts.in_flight),
            ApproximateNumberOfMessagesDelayed=str(counts.delayed),
            CreatedTimestamp=str(record.created_ms // 1000),
            LastModifiedTimestamp=str(record.modified_ms // 1000),
        )
        if "All" in wanted:
            return values
        return {key: value for key, value in values.items() if key in wanted}

    def set_queue_attributes(self, queue: str, attributes: Mapping[str, str]) -> None:
        """SetQueueAttributes."""
        name = self.name_of(queue)
        with self.store.transaction() as tx:
            record = self.existing(tx, name)
            wanted = attrs.validate(attributes, fifo=record.fifo, creating=False)
            self._check_redrive(tx, name, wanted, as_given=attributes or {})
            values = {**record.attributes, **wanted}
            for key in [key for key, value in wanted.items() if value == ""]:
                values.pop(key, None)  # an empty RedrivePolicy (or Policy) removes it
            tx.save_queue(replace(record, attributes=values, modified_ms=self.clock.now_ms()))
            tx.bump_topology()

    def _check_redrive(
        self,
        tx: StoreTransaction,
        name: str,
        wanted: Mapping[str, str],
        *,
        as_given: Mapping[str, str],
    ) -> None:
        normalised = wanted.get("RedrivePolicy")
        if not normalised:
            return
        policy = attrs.parse_redrive_policy(normalised)
        text = str(as_given.get("RedrivePolicy", normalised))  # errors quote what was sent
        target = tx.get_queue(policy.dead_letter_queue)
        if target is None or policy.dead_letter_arn != self.scope.queue_arn(target.name):
            raise InvalidParameterValue(
                f"Value {text} for parameter RedrivePolicy is invalid. Reason: Dead letter target "
                "does not exist."
            )
        if target.fifo != name.endswith(".fifo"):
            raise InvalidParameterValue(
                f"Value {text} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue "
                "must be same type of queue as the source."
            )
        allow = target.attributes.get("RedriveAllowPolicy")
        if allow and not attrs.parse_redrive_allow_policy(allow).allows(self.scope.queue_arn(name)):
            raise InvalidParameterValue(
                f"Value {text} for parameter RedrivePolicy is invalid. Reason: Queue "
                f"{self.scope.queue_arn(name)} is not allowed to use {policy.dead_letter_arn} as "
                "its dead-letter queue (see its RedriveAllowPolicy)."
            )

    def list_dead_letter_source_queues(self, queue: str) -> list[str]:
        """ListDeadLetterSourceQueues: URLs of the queues whose DLQ this queue is, by name."""
        return self.list_dead_letter_source_queues_page(queue).items

    def list_dead_letter_source_queues_page(
        self, queue: str, max_results: int | None = None, next_token: str | None = None
    ) -> Page[str]:
        """ListDeadLetterSourceQueues with its NextToken, paginated as ListQueues is."""
        name = self.name_of(queue)
        with self.store.reader() as tx:
            self.existing(tx, name)
            sources = [record.name for record in tx.list_queues() if _dlq_of(record) == name]
        return self._urls_page(
            sorted(sources), max_results, next_token, f"ListDeadLetterSourceQueues/{name}"
        )

    def peek_messages(self, queue: str, limit: int) -> list[PeekedMessage]:
        """Up to ``limit`` messages of ``queue`` in the order they arrived, visible or not,
        for operators: nothing changes (no receive, visibility and receive counts stay)."""
        name = self.name_of(queue)
        with self.store.reader() as tx:
            self.existing(tx, name)
            stored = tx.oldest_messages(name, limit)
        peeked: list[PeekedMessage] = []
        for message in stored:
            system = {
                "SentTimestamp": str(message.sent_ms),
                "ApproximateReceiveCount": str(message.receive_count),
            }
            if message.first_receive_ms is not None:
                system["ApproximateFirstReceiveTimestamp"] = str(message.first_receive_ms)
            if message.dead_letter_source:
                system["DeadLetterQueueSourceArn"] = message.dead_letter_source
            peeked.append(
                PeekedMessage(
                    message_id=message.message_id,
                    body=message.body,
                    md5_of_body=msgs.body_md5(message.body),
                    attributes=system,
                    message_attributes=msgs.decode_attributes(message.message_attributes),
                )
            )
        return peeked

    # -- tags ------------------------------------------------------------------

    def tag_queue(self, queue: str, tags: Mapping[str, str]) -> None:
        name = self.name_of(queue)
        with self.store.transaction() as tx:
            record = self.existing(tx, name)
            merged = {**record.tags, **tags}
            if len(merged) > MAX_TAGS:
                raise InvalidParameterValue(f"Too many tags added for queue {name}.")
            tx.save_queue(replace(record, tags=merged))

    def untag_queue(self, queue: str, keys: Iterable[str]) -> None:
        name = self.name_of(queue)
        with self.store.transaction() as tx:
            record = self.existing(tx, name)
            removed = set(keys)
            kept = {key: value for key, value in record.tags.items() if key not in removed}
            tx.save_queue(replace(record, tags=kept))

    def list_queue_tags(self, queue: str) -> dict[str, str]:
        name = self.name_of(queue)
        with self.store.reader() as tx:
            return dict(self.existing(tx, name).tags)


def _invalid_token() -> InvalidParameterValue:
    return InvalidParameterValue(
        "Invalid NextToken value. If you are passing in NextToken, you must not change the "
        "other request parameters."
    )


def _dlq_of(record: QueueRecord) -> str | None:
    text = record.attributes.get("RedrivePolicy")
    return attrs.parse_redrive_policy(text).dead_letter_queue if text else None
