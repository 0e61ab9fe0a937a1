"""A secret's value from AWS Secrets Manager (the state database's URL, on Lambda)."""

from __future__ import annotations

from orderflow.adapters.aws.clients import AwsConnection, translated


def secret_value(connection: AwsConnection, secret_id: str) -> str:
    """The current value of ``secret_id`` (an ARN or a name), as text; ``AwsError`` when
    Secrets Manager refuses, ``EndpointUnreachable`` when it does not answer."""
    secrets = connection.client("secretsmanager")
    try:
        with translated(connection.label):
            answer = secrets.get_secret_value(SecretId=secret_id)
    finally:
        secrets.close()
    return str(answer["SecretString"])
