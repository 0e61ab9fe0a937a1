"""A consumer function's settings, from its environment and its secret.

``ORDERFLOW_CONSUMER`` (which consumer), ``ORDERFLOW_DB`` (the state's URL) or
``ORDERFLOW_STATE_SECRET_ARN`` (a Secrets Manager secret holding it), and
``ORDERFLOW_NAME_PREFIX`` (the environment's prefix on bus names); ``orderflow export
--consumers lambda`` sets them.

The notification function also sends the emails its handlers write, when it knows an
SMTP server: ``ORDERFLOW_SMTP`` (``HOST:PORT`` or a URL, as ``--smtp`` takes it) and
``ORDERFLOW_SMTP_PASSWORD``; or, so that no password sits in the function's settings,
the secret's value as a JSON object instead of a bare URL::

    {"db": "postgresql://...", "smtp": "smtp+starttls://user@host:587",
     "smtp_password": "...", "mail_from": "orders@example.com"}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from orderflow.adapters.aws.connection import AwsConnection
from orderflow.adapters.aws.deploy.lambdas import (
    CONSUMER_ENVIRONMENT,
    PREFIX_ENVIRONMENT,
    SECRET_ENVIRONMENT,
)
from orderflow.adapters.aws.secrets import secret_value
from orderflow.adapters.smtp.server import PASSWORD_VARIABLE, SmtpServer, SmtpServerError
from orderflow.bootstrap import DB_ENVIRONMENT
from orderflow.errors import OrderflowError
from orderflow.services.notifications.messages import SENDER

SMTP_ENVIRONMENT: Final = "ORDERFLOW_SMTP"
MAIL_FROM_ENVIRONMENT: Final = "ORDERFLOW_MAIL_FROM"


class FunctionSettingsError(OrderflowError):
    """The function's environment does not say which consumer it is, or where its state is."""


@dataclass(frozen=True)
class FunctionSettings:
    consumer: str
    db: str
    prefix: str = ""
    smtp: SmtpServer | None = None
    mail_from: str = SENDER


def function_settings(environ: Mapping[str, str], aws: AwsConnection) -> FunctionSettings:
    """The settings in ``environ`` (and in the secret it names, read through ``aws``)."""
    consumer = environ.get(CONSUMER_ENVIRONMENT)
    if not consumer:
        raise FunctionSettingsError(f"{CONSUMER_ENVIRONMENT} is not set: which consumer?")
    found: dict[str, Any] = {
        "db": environ.get(DB_ENVIRONMENT),
        "smtp": environ.get(SMTP_ENVIRONMENT),
        "smtp_password": environ.get(PASSWORD_VARIABLE),
        "mail_from": environ.get(MAIL_FROM_ENVIRONMENT),
    }
    secret = environ.get(SECRET_ENVIRONMENT)
    if not found["db"] and secret:
        found.update({k: v for k, v in _secret(aws, secret).items() if v})
    if not found["db"]:
        raise FunctionSettingsError(
            f"neither {DB_ENVIRONMENT} nor {SECRET_ENVIRONMENT} is set: where is the state?"
        )
    smtp = None
    if found["smtp"]:
        try:
            smtp = SmtpServer.parse(str(found["smtp"]), password=found["smtp_password"])
        except SmtpServerError as exc:
            raise FunctionSettingsError(f"the SMTP server: {exc}") from None
    return FunctionSettings(
        consumer,
        str(found["db"]),
        environ.get(PREFIX_ENVIRONMENT, ""),
        smtp,
        str(found["mail_from"] or SENDER),
    )


def _secret(aws: AwsConnection, secret: str) -> dict[str, Any]:
    """The secret's settings: a bare value is the state's URL; a JSON object, settings."""
    value = secret_value(aws, secret).strip()
    if not value.startswith("{"):
        return {"db": value}
    try:
        settings = json.loads(value)
    except json.JSONDecodeError as exc:
        raise FunctionSettingsError(f"the secret {secret} is not valid JSON: {exc}") from None
    if not isinstance(settings, dict):
        raise FunctionSettingsError(f"the secret {secret} is no JSON object")
    unknown = set(settings) - {"db", "smtp", "smtp_password", "mail_from"}
    if unknown:
        raise FunctionSettingsError(
            f"the secret {secret} has settings orderflow does not know: {sorted(unknown)}"
        )
    return settings
