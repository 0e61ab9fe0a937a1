"""``ConsumerFunction``: one consumer's handling, as a Lambda function runs it.

Each invocation handles its messages in one state transaction (``runtime.handling``:
the idempotency claim, the handler, the outbox, the journal, exactly as the worker
does), then publishes the outbox with PutEvents (the relay), and answers with the
messages that failed: the event source mapping deletes the others, and the failed ones
come back after the queue's visibility timeout, to its DLQ after maxReceiveCount. A
redelivery finds its claim taken and changes nothing.

The notification function then sends the emails its batch wrote (when it knows an SMTP
server), and publishes their announcements. Settings: ``settings``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, Final

from orderflow.adapters.aws.connection import AwsConnection
from orderflow.adapters.aws.deploy.lambdas import CONSUMER_ENVIRONMENT
from orderflow.adapters.aws.prefixed import PrefixedTransport
from orderflow.adapters.smtp.server import SmtpServer
from orderflow.bootstrap.functions import FunctionSystem, open_function_system
from orderflow.entrypoints.aws_lambda.events import Invocation
from orderflow.entrypoints.aws_lambda.settings import FunctionSettingsError, function_settings
from orderflow.errors import OrderflowError
from orderflow.runtime.handling import HandledBatch, Handling, handle_batch
from orderflow.runtime.journal import Outcome
from orderflow.runtime.mail import MailRelay
from orderflow.runtime.relay import OutboxRelay
from orderflow.services.notifications.messages import SENDER
from orderflow.services.notifications.sent import notification_sent
from orderflow.services.topology import SUBSCRIPTIONS

log = logging.getLogger("orderflow.lambda")

MAIL_CONSUMER: Final = "notification"
"""The consumer whose handlers write emails, and whose function sends them."""
MAIL_ROUNDS: Final = 10
"""The most mail relay rounds one invocation runs (of 20 emails each)."""


class InvocationFailed(OrderflowError):
    """A directly invoked event failed: raised, so that Lambda retries the invocation."""


class ConsumerFunction:
    """One consumer's handling on ``system`` (its state, and the AWS APIs)."""

    def __init__(
        self,
        system: FunctionSystem,
        consumer: str,
        prefix: str = "",
        *,
        smtp: SmtpServer | None = None,
        mail_from: str = SENDER,
    ) -> None:
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
        self._mail: MailRelay | None = None
        if smtp is not None and consumer == MAIL_CONSUMER:
            from orderflow.adapters.smtp.sender import SmtpMailer  # noqa: PLC0415 (cold start)

            mailer = SmtpMailer(smtp)
            self._mail = MailRelay(
                system.state,
                self._relay,
                mailer,
                system.clock,
                sender=mail_from,
                announce=notification_sent,
            )
            system.closing(mailer.close)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ConsumerFunction:
        aws = AwsConnection()
        settings = function_settings(environ, aws)
        system = open_function_system(settings.db, aws)
        try:
            return cls(
                system,
                settings.consumer,
                settings.prefix,
                smtp=settings.smtp,
                mail_from=settings.mail_from,
            )
        except BaseException:
            system.close()
            raise

    def __call__(self, invocation: Invocation) -> dict[str, Any]:
        """Handle the invocation's messages; the answer Lambda expects."""
        batch = handle_batch(self.system.state, self._handling, lambda _state: invocation.messages)
        self._log(batch)
        self._publish()
        if self._mail is not None and self._send_mail():
            self._publish()  # the emails' announcements (NotificationSent)
        failed = [message.message_id for message, _ in batch.failed]
        if invocation.direct and failed:
            attempt = batch.failed[0][1]
            raise InvocationFailed(f"{attempt.detail_type} {attempt.event_id}: {attempt.error}")
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    def _publish(self) -> None:
        try:
            self._relay.publish_pending()
        except OrderflowError as exc:  # committed: the next invocation publishes what is left
            log.warning("publishing the outbox failed: %s", exc)

    def _send_mail(self) -> int:
        """Send the mail outbox (what this batch wrote, and what earlier ones left); how
        many went out. What the server did not take waits for the next invocation."""
        assert self._mail is not None
        total = 0
        for _ in range(MAIL_ROUNDS):
            try:
                sent, errors = self._mail.send_pending()
            except OrderflowError as exc:
                log.warning("sending the mail outbox failed: %s", exc)
                break
            for error in errors:
                log.warning("mail not sent: %s", error, extra={"service": self.consumer})
            total += sent
            if not sent:
                break
        return total

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
