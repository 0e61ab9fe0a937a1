"""``ConsumerFunction``: one consumer's handling, as a Lambda function runs it.

Each invocation handles its messages in one state transaction (``runtime.handling``:
the idempotency claim, the handler, the outbox, the journal, exactly as the worker
does), then publishes the outbox with PutEvents (the relay), and answers with the
messages that failed: the event source mapping deletes the others, and the failed ones
come back after the queue's visibility timeout, to its DLQ after maxReceiveCount. A
redelivery finds its claim taken and changes nothing.

Settings, from the function's environment (``orderflow export --consumers lambda``
sets them): ``ORDERFLOW_CONSUMER`` (which consumer), ``ORDERFLOW_DB`` (the state's
URL) or ``ORDERFLOW_STATE_SECRET_ARN`` (a Secrets Manager secret holding it), and
``ORDERFLOW_NAME_PREFIX`` (the environment's prefix on bus names).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from orderflow.adapters.aws.connection import AwsConnection
from orderflow.adapters.aws.deploy.lambdas import (
    CONSUMER_ENVIRONMENT,
    PREFIX_ENVIRONMENT,
    SECRET_ENVIRONMENT,
)
from orderflow.adapters.aws.prefixed import PrefixedTransport
from orderflow.adapters.aws.secrets import secret_value
from orderflow.bootstrap import DB_ENVIRONMENT
from orderflow.bootstrap.functions import FunctionSystem, open_function_system
from orderflow.entrypoints.aws_lambda.events import Invocation
from orderflow.errors import OrderflowError
from orderflow.runtime.handling import HandledBatch, Handling, handle_batch
from orderflow.runtime.journal import Outcome
from orderflow.runtime.relay import OutboxRelay
from orderflow.services.topology import SUBSCRIPTIONS

log = logging.getLogger("orderflow.lambda")


class FunctionSettingsError(OrderflowError):
    """The function's environment does not say which consumer it is, or where its state is."""


class InvocationFailed(OrderflowError):
    """A directly invoked event failed: raised, so that Lambda retries the invocation."""


class ConsumerFunction:
    """One consumer's handling on ``system`` (its state, and the AWS APIs)."""

    def __init__(self, system: FunctionSystem, consumer: str, prefix: str = "") -> None:
        subscription = SUBSCRIPTIONS.get(consumer)
        if subscription is None:
            raise FunctionSettingsError(
                f"{CONSUMER_ENVIRONMENT}={consumer!r} is no consumer: "
                f"one of {', '.join(sorted(SUBSCRIPTIONS))}"
            )
        self.system = system
        self.consumer = consumer
        self._handling = Handling(subscription, system.clock, system.new_id)
        self._relay = OutboxRelay(
            system.state, PrefixedTransport(system.transport, prefix), system.clock
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ConsumerFunction:
        consumer = environ.get(CONSUMER_ENVIRONMENT)
        if not consumer:
            raise FunctionSettingsError(f"{CONSUMER_ENVIRONMENT} is not set: which consumer?")
        aws = AwsConnection()
        db = environ.get(DB_ENVIRONMENT)
        secret = environ.get(SECRET_ENVIRONMENT)
        if not db and secret:
            db = secret_value(aws, secret)
        if not db:
            raise FunctionSettingsError(
                f"neither {DB_ENVIRONMENT} nor {SECRET_ENVIRONMENT} is set: where is the state?"
            )
        system = open_function_system(db, aws)
        try:
            return cls(system, consumer, environ.get(PREFIX_ENVIRONMENT, ""))
        except BaseException:
            system.close()
            raise

    def __call__(self, invocation: Invocation) -> dict[str, Any]:
        """Handle the invocation's messages; the answer Lambda expects."""
        batch = handle_batch(self.system.state, self._handling, lambda _state: invocation.messages)
        self._log(batch)
        try:
            self._relay.publish_pending()
        except OrderflowError as exc:  # committed: the next invocation publishes what is left
            log.warning("publishing the outbox failed: %s", exc)
        failed = [message.message_id for message, _ in batch.failed]
        if invocation.direct and failed:
            attempt = batch.failed[0][1]
            raise InvocationFailed(f"{attempt.detail_type} {attempt.event_id}: {attempt.error}")
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    def _log(self, batch: HandledBatch) -> None:
        for attempt in batch.attempts:
            extra = {"service": self.consumer, "correlation_id": attempt.correlation_id}
            text = f"{attempt.detail_type or 'message'} {attempt.event_id} {attempt.outcome.value}"
            if attempt.outcome is Outcome.FAILED:
                log.warning("%s: %s", text, attempt.error, extra=extra)
            else:
                log.info(text, extra=extra)

    def close(self) -> None:
        self.system.close()
