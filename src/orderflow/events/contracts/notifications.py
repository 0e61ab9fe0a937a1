"""The notification service's event: NotificationSent."""

from __future__ import annotations

from typing import ClassVar, Literal

from orderflow.events.contracts.base import Contract, Metadata

NOTIFICATIONS_SOURCE = "com.mycompany.notifications"


class SentEmail(Contract):
    message_id: str
    order_id: str
    kind: Literal["confirmation", "cancellation", "refund"]
    to: str
    subject: str


class NotificationSent(Contract):
    SOURCE: ClassVar[str] = NOTIFICATIONS_SOURCE
    DETAIL_TYPE: ClassVar[str] = "NotificationSent"
    VERSION: ClassVar[str] = "1.0"

    event_version: Literal["1.0"] = "1.0"
    notification: SentEmail
    metadata: Metadata
