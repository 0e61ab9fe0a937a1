"""The transports the services suite runs on, and a test's handle on the queues and buses.

- ``memory``: the embedded system in memory (in-engine transport);
- ``sqlite``: the embedded system on a SQLite file (in-engine transport);
- ``serve``: the services' state on a SQLite file of its own, their events over the AWS
  APIs through boto3 (the remote, at-least-once transport) to ``orderflow serve`` on
  loopback, whose engine shares the test's manual clock;
- ``moto``: the same remote transport against moto's server, whose queues keep their own
  time (``Carried.elapse`` sleeps there; the workers retry at once, with no backoff).

``Carrier`` is what a test uses to look at or meddle with the queues and buses (send a
message again, hold one, put an event, count, replay): the engine's own calls, or
boto3's against the endpoint — never through the system under test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import boto3
import orjson

from orderflow.adapters.aws.clients import AwsConnection
from orderflow.bootstrap import open_engine
from orderflow.bootstrap.system import System, memory_system, open_system
from orderflow.entrypoints.aws_api import serve_in_thread
from orderflow.eventbus.clock import ManualClock
from orderflow.eventbus.engine import Engine

TRANSPORTS: Final = ("memory", "sqlite", "serve", "moto")
REMOTE: Final = frozenset({"serve", "moto"})
REGION: Final = "us-east-1"


@dataclass(frozen=True)
class Held:
    """A message a test received itself."""

    receipt_handle: str
    body: str


class Carrier(Protocol):
    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> None: ...

    def send(self, queue: str, body: str) -> None: ...

    def bodies(self, queue: str) -> list[str]:
        """The bodies of up to 10 messages visible in ``queue``, left visible (on an AWS
        endpoint that is a receive with VisibilityTimeout=0: it counts as a receive)."""
        ...

    def depth(self, queue: str) -> int:
        """Visible and in-flight messages."""
        ...

    def hold(self, queue: str, visibility_s: int) -> Held | None: ...

    def release(self, queue: str, held: Held) -> None:
        """Make a held message visible again at once."""
        ...

    def replay(self, archive: str, bus: str, end_s: float) -> None: ...


class EngineCarrier:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        result = self._engine.events.put_events(
            [
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": orjson.dumps(detail).decode(),
                    "EventBusName": "orders",
                }
            ]
        )
        assert result.failed_entry_count == 0, result.as_aws()

    def send(self, queue: str, body: str) -> None:
        self._engine.sqs.send_message(queue, body)

    def bodies(self, queue: str) -> list[str]:
        return [m.body for m in self._engine.sqs.peek_messages(queue, 100)]

    def depth(self, queue: str) -> int:
        attributes = self._engine.sqs.get_queue_attributes(queue)
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def hold(self, queue: str, visibility_s: int) -> Held | None:
        received = self._engine.sqs.receive_message(queue, visibility_timeout=visibility_s)
        return Held(received[0].receipt_handle, received[0].body) if received else None

    def release(self, queue: str, held: Held) -> None:
        self._engine.sqs.change_message_visibility(queue, held.receipt_handle, 0)

    def replay(self, archive: str, bus: str, end_s: float) -> None:
        events = self._engine.events
        arn = events.describe_archive(archive)["ArchiveArn"]
        events.start_replay("again", arn, 0, end_s, events.describe_event_bus(bus)["Arn"])


class AwsCarrier:
    """The queues and buses at an AWS endpoint, through boto3."""

    def __init__(self, endpoint_url: str) -> None:
        settings: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        self._sqs = boto3.client("sqs", **settings)
        self._events = boto3.client("events", **settings)

    def _url(self, queue: str) -> str:
        return str(self._sqs.get_queue_url(QueueName=queue)["QueueUrl"])

    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        answer = self._events.put_events(
            Entries=[
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": orjson.dumps(detail).decode(),
                    "EventBusName": "orders",
                }
            ]
        )
        assert answer["FailedEntryCount"] == 0, answer

    def send(self, queue: str, body: str) -> None:
        self._sqs.send_message(QueueUrl=self._url(queue), MessageBody=body)

    def bodies(self, queue: str) -> list[str]:
        answer = self._sqs.receive_message(
            QueueUrl=self._url(queue), MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return [m["Body"] for m in answer.get("Messages", [])]

    def depth(self, queue: str) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._url(queue),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def hold(self, queue: str, visibility_s: int) -> Held | None:
        answer = self._sqs.receive_message(
            QueueUrl=self._url(queue), MaxNumberOfMessages=1, VisibilityTimeout=visibility_s
        )
        messages = answer.get("Messages", [])
        return Held(messages[0]["ReceiptHandle"], messages[0]["Body"]) if messages else None

    def release(self, queue: str, held: Held) -> None:
        self._sqs.change_message_visibility(
            QueueUrl=self._url(queue), ReceiptHandle=held.receipt_handle, VisibilityTimeout=0
        )

    def replay(self, archive: str, bus: str, end_s: float) -> None:
        arn = self._events.describe_archive(ArchiveName=archive)["ArchiveArn"]
        self._events.start_replay(
            ReplayName="again",
            EventSourceArn=arn,
            EventStartTime=0,
            EventEndTime=end_s,
            Destination={"Arn": self._events.describe_event_bus(Name=bus)["Arn"]},
        )


@dataclass
class Carried:
    system: System
    clock: ManualClock
    carrier: Carrier
    queues_keep_time: bool
    """Whether the queues' clock is the test's (moto's is its own: waiting there sleeps)."""

    def elapse(self, seconds: float) -> None:
        """Let ``seconds`` pass for the system and its queues."""
        self.clock.advance(seconds=seconds)
        if not self.queues_keep_time:
            time.sleep(seconds)


@contextmanager
def carried(transport: str, tmp_path: Path, *, moto_url: str | None = None) -> Iterator[Carried]:
    """A system on ``transport`` (not installed yet), and the carrier beside it."""
    with ExitStack() as stack:
        clock = ManualClock()
        if transport == "memory":
            system = memory_system(clock)
            carrier: Carrier = EngineCarrier(system.engine)
        elif transport == "sqlite":
            system = open_system(tmp_path / "orderflow.db", clock=clock)
            carrier = EngineCarrier(system.engine)
        else:
            if transport == "serve":
                engine = open_engine(tmp_path / "endpoint.db", clock=clock)
                stack.callback(engine.store.close)
                url = stack.enter_context(serve_in_thread(engine)).url
            else:
                assert moto_url is not None
                url = moto_url
            system = open_system(
                tmp_path / "state.db",
                aws=AwsConnection(endpoint_url=url, region=REGION),
                clock=clock,
            )
            carrier = AwsCarrier(url)
        stack.callback(system.close)
        yield Carried(system, clock, carrier, queues_keep_time=transport != "moto")
