"""The emails: recipient, subject and body for each kind."""

from __future__ import annotations

import re
from typing import Final

CUSTOMER_DOMAIN: Final = "customers.orderflow.test"
SENDER: Final = "orders@orderflow.test"
ADDRESS: Final = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def recipient_for(user_id: str) -> str:
    """A customer's address: the user id when it is a plain address, else
    ``<user id>@customers.orderflow.test`` (the order events carry a user id, not an
    address); never anything with spaces or control characters in it."""
    if ADDRESS.fullmatch(user_id):
        return user_id
    local = "".join(c if c.isalnum() or c in "._-+" else "_" for c in user_id)
    return f"{local.strip('.') or 'customer'}@{CUSTOMER_DOMAIN}"


def confirmation(order_id: str, total: float, currency: str, lines: list[str]) -> tuple[str, str]:
    body = "\n".join(
        [
            "Thank you for your order.",
            "",
            f"Order: {order_id}",
            *lines,
            f"Total: {total:.2f} {currency}",
            "",
            "We will let you know if anything changes.",
        ]
    )
    return f"Order {order_id} received", body


def cancellation(order_id: str, reason: str) -> tuple[str, str]:
    because = f" Reason: {reason}." if reason else ""
    return (
        f"Order {order_id} cancelled",
        f"Your order {order_id} has been cancelled.{because}\n\nNothing will be charged.",
    )


def refund(order_id: str, amount: float, currency: str, refund_id: str) -> tuple[str, str]:
    return (
        f"Refund for order {order_id}",
        f"We could not fulfil order {order_id}, so we refunded {amount:.2f} {currency} "
        f"(refund {refund_id}). It should reach you within a few days.",
    )
