"""What the notification service announces once an email went out: NotificationSent."""

from __future__ import annotations

import uuid

from orderflow.app import OutgoingMail
from orderflow.eventbus.clock import to_iso
from orderflow.events.contracts import Contract, Metadata, NotificationSent
from orderflow.events.contracts.notifications import SentEmail


def notification_sent(mail: OutgoingMail, now_ms: int) -> Contract:
    """NotificationSent for ``mail``. Its event id derives from the Message-ID: an email
    announced twice (two relays racing) is one event to every consumer."""
    return NotificationSent(
        notification=SentEmail(
            message_id=mail.message_id,
            order_id=mail.order_id,
            kind=mail.kind,  # type: ignore[arg-type]
            to=mail.recipient,
            subject=mail.subject,
        ),
        metadata=Metadata(
            created_at=to_iso(now_ms),
            correlation_id=mail.correlation_id,
            causation_id=mail.causation_id,
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"mail:{mail.message_id}")),
        ),
    )
