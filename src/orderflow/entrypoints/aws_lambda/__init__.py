"""The consumers as AWS Lambda functions: ``handler`` is the function's entry
(``orderflow.entrypoints.aws_lambda.handler``), for an SQS batch from an event source
mapping or an EventBridge event from a rule that invokes the function directly.

The consumer is made on the first invocation (from the environment: see ``function``)
and kept for the next ones, as Lambda keeps a warm instance; nothing happens at import.
"""

from __future__ import annotations

from typing import Any

from orderflow.entrypoints.aws_lambda.events import invocation
from orderflow.entrypoints.aws_lambda.function import ConsumerFunction

__all__ = ["handler", "reset"]

_warm: list[ConsumerFunction] = []


def handler(event: object, context: object = None) -> dict[str, Any]:
    """Handle one invocation: ``{"batchItemFailures": [{"itemIdentifier": id}, ...]}``
    names exactly the messages that failed (raised instead, for a direct invocation)."""
    called = invocation(event)  # before anything opens: a wrong event is the caller's
    if not _warm:
        _warm.append(ConsumerFunction.from_environment())
    return _warm[0](called)


def reset() -> None:
    """Close the kept consumer (its next invocation makes one anew: a cold start)."""
    while _warm:
        _warm.pop().close()
