"""Reading older versions as the latest one.

OrderCreated 1.0 → 2.0: version 1.0 has no ``order.channel`` and no
``customer.isRefundEligible``. Upcast, they read:

- ``order.channel = "unknown"`` (the sales channel was not recorded);
- ``customer.isRefundEligible = false``: eligibility was never asserted, so no
  refund is paid automatically; an out-of-stock 1.0 order waits for a person.

These defaults are part of the contract (docs/decisions/0004-order-services-and-exactly-once.md).
"""

from __future__ import annotations

from typing import Final

from orderflow.events.contracts import CustomerV2, OrderCreatedV1, OrderCreatedV2, OrderV2

DEFAULT_CHANNEL: Final = "unknown"
DEFAULT_REFUND_ELIGIBLE: Final = False


def order_created_v1_to_v2(event: OrderCreatedV1) -> OrderCreatedV2:
    return OrderCreatedV2(
        order=OrderV2(**event.order.model_dump(), channel=DEFAULT_CHANNEL),
        customer=CustomerV2(
            user_id=event.customer.user_id, is_refund_eligible=DEFAULT_REFUND_ELIGIBLE
        ),
        payment=event.payment,
        metadata=event.metadata,
    )
