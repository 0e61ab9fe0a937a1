"""Amounts of money: ``Decimal`` rounded to cents, and the currencies orderflow accepts."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final

CENT: Final = Decimal("0.01")
CURRENCIES: Final = frozenset({"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "NOK"})
"""ISO 4217 codes accepted on orders (extend here)."""


def to_amount(value: float | int | str | Decimal) -> Decimal:
    """``value`` as an exact amount rounded to cents (floats through their shortest repr)."""
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def has_more_than_cents(value: float | int | str | Decimal) -> bool:
    """Whether ``value`` has digits below the cent (``12.345``)."""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    return amount != amount.quantize(CENT)
