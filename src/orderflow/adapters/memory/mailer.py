"""``MemoryMailer``: keeps sent emails in a list (for tests); can be told to fail."""

from __future__ import annotations

from orderflow.runtime.ports import MailError
from orderflow.services.ports import OutgoingMail


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []
        self.failing: str | None = None
        """When set, every send fails with this (as an unreachable server)."""
        self.refused: set[str] = set()
        """Recipients refused for good (as a 550 answer)."""

    def send(self, mail: OutgoingMail, sender: str) -> None:
        if self.failing is not None:
            raise MailError(self.failing)
        if mail.recipient in self.refused:
            raise MailError(f"550 no such user {mail.recipient}", permanent=True)
        self.sent.append(mail)
