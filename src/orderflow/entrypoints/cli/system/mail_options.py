"""The options that say where the notification service's emails go (``orderflow up`` and
``orderflow worker notification``), and their checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from orderflow.adapters.smtp.sender import check_address
from orderflow.adapters.smtp.server import PASSWORD_VARIABLE, SmtpServer, SmtpServerError

SMTP_HELP = (
    "The SMTP server: HOST:PORT, or smtp://, smtp+starttls:// or smtps://[USER@]HOST[:PORT] "
    f"(the password in {PASSWORD_VARIABLE})."
)

SmtpCaFileOption = Annotated[
    Path | None,
    typer.Option(
        "--smtp-ca-file",
        help="Certificates (PEM) to trust for the SMTP server instead of the system's.",
        exists=True,
        dir_okay=False,
    ),
]


def smtp_server(value: str, ca_file: Path | None) -> SmtpServer:
    """``--smtp``'s value as a server, its password read from the environment."""
    try:
        return SmtpServer.parse(
            value,
            password=os.environ.get(PASSWORD_VARIABLE),
            ca_file=str(ca_file) if ca_file else None,
        )
    except SmtpServerError as exc:
        raise typer.BadParameter(str(exc), param_hint="--smtp") from None


def checked_mail_from(value: str) -> str:
    """``--mail-from``'s value, checked now rather than refused with every email."""
    try:
        check_address(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--mail-from") from None
    return value


MailFromOption = Annotated[
    str,
    typer.Option(
        "--mail-from", help="The address the emails come from.", callback=checked_mail_from
    ),
]
