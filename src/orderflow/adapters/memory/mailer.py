"""``MemoryMailer``: keeps sent emails in a list (for tests); can be told to fail."""

from __future__ import annotations

from orderflow.runtime.ports import MailError
from orderflow.services.ports import OutgoingMail


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []
        self.failing: str | None = None

    def send(self, mail: OutgoingMail, sender: str) -> None:
        if self.failing is not None:
            raise MailError(self.failing)
        self.sent.append(mail)
