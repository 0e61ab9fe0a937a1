"""Amounts of money: ``Decimal`` rounded to cents, and the currencies orderflow accepts."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final

CENT: Final = Decimal("0.01")
MAX_AMOUNT: Final = Decimal("1000000000000")
"""No amount reaches a trillion: beyond, an amount is an error (and Decimal's precision)."""
CURRENCIES: Final = frozenset({"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "NOK"})
"""ISO 4217 codes accepted on orders (extend here)."""


def to_amount(value: float | int | str | Decimal) -> Decimal:
    """``value`` as an exact amount rounded to cents (floats through their shortest repr)."""
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"{value!r} is not an amount (at most {MAX_AMOUNT - CENT})")
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def has_more_than_cents(value: float | int | str | Decimal) -> bool:
    """Whether ``value`` has digits below the cent (``12.345``)."""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    return amount.is_finite() and abs(amount) < MAX_AMOUNT and amount != amount.quantize(CENT)
