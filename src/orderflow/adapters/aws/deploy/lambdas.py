"""Consumers as Lambda functions (``orderflow export ... --consumers lambda``).

Each consumer's queue feeds a function of its own through an event source mapping that
reports batch item failures (only the messages that failed come back; the queue's
redrive policy still takes them to its DLQ). Each function has its own execution role:
receive and delete on its own queue (what its event source mapping does with it),
PutEvents on the bus it publishes to, its own log group, and the state database's
secret; nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from orderflow.adapters.aws.deploy.errors import ExportError
from orderflow.adapters.aws.deploy.model import Function, Queue, Role, Statement, Variable
from orderflow.adapters.aws.deploy.names import check_fits
from orderflow.adapters.aws.deploy.values import Arn, Name, Ref, Var

HANDLER: Final = "orderflow.entrypoints.aws_lambda.handler"
RUNTIME: Final = "python3.12"
CONSUMER_ENVIRONMENT: Final = "ORDERFLOW_CONSUMER"
SECRET_ENVIRONMENT: Final = "ORDERFLOW_STATE_SECRET_ARN"
PREFIX_ENVIRONMENT: Final = "ORDERFLOW_NAME_PREFIX"
DEFAULT_VISIBILITY_S: Final = 30

VARIABLES: Final = (
    Variable(
        "state_secret_arn",
        "The Secrets Manager secret whose value is the state database's URL (postgresql://...)",
        "string",
        None,
    ),
    Variable(
        "lambda_code_bucket",
        "The S3 bucket holding the bundle of orderflow package lambda",
        "string",
        None,
    ),
    Variable(
        "lambda_code_key", "The bundle's key in that bucket", "string", "orderflow-lambda.zip"
    ),
    Variable("lambda_memory_mb", "Memory of each consumer function (MB)", "number", 512),
    Variable("log_retention_days", "Days the functions' logs are kept", "number", 365),
)


@dataclass(frozen=True)
class LambdaConsumer:
    """A consumer that runs as a function: its name, and the bus it publishes to."""

    consumer: str
    bus: str


def consumer_functions(
    consumers: Mapping[str, LambdaConsumer], queues: Mapping[str, Queue], buses: set[str]
) -> tuple[tuple[Function, ...], tuple[Role, ...], tuple[Variable, ...]]:
    """The functions of ``consumers`` (queue → consumer), their roles, and the settings
    they need (none without consumers)."""
    functions: list[Function] = []
    roles: list[Role] = []
    for queue_name in sorted(consumers):
        consumer = consumers[queue_name]
        queue = queues.get(queue_name)
        if queue is None:
            raise ExportError(
                f"consumer {consumer.consumer}: its queue {queue_name!r} is not in the topology"
            )
        if consumer.bus not in buses:
            raise ExportError(
                f"consumer {consumer.consumer}: its bus {consumer.bus!r} is not in the topology"
            )
        check_fits("function", consumer.consumer)
        log_group = Name(consumer.consumer, lead="/aws/lambda/")
        role = f"{consumer.consumer}-function"
        roles.append(
            Role(
                role,
                Name(check_fits("role", role)),
                f"Function {consumer.consumer}: its own queue, bus, logs and the state secret only",
                "lambda.amazonaws.com",
                (
                    Statement(
                        "ConsumeOwnQueue",
                        ("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"),
                        (Ref("queue", queue_name),),
                    ),
                    Statement(
                        "PublishOnOwnBus", ("events:PutEvents",), (Ref("bus", consumer.bus),)
                    ),
                    Statement(
                        "WriteOwnLogs",
                        ("logs:CreateLogStream", "logs:PutLogEvents"),
                        (Arn("logs", ("log-group:", log_group, ":*")),),
                    ),
                    Statement(
                        "ReadStateSecret",
                        ("secretsmanager:GetSecretValue",),
                        (Var("state_secret_arn"),),
                    ),
                ),
            )
        )
        functions.append(
            Function(
                consumer.consumer,
                Name(consumer.consumer),
                consumer.consumer,
                queue_name,
                role,
                consumer.consumer,
                {
                    CONSUMER_ENVIRONMENT: consumer.consumer,
                    PREFIX_ENVIRONMENT: Name(""),
                    SECRET_ENVIRONMENT: Var("state_secret_arn"),
                },
                int(queue.attributes.get("VisibilityTimeout", DEFAULT_VISIBILITY_S)),
            )
        )
    return tuple(functions), tuple(roles), VARIABLES if functions else ()
