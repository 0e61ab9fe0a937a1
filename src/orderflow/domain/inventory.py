"""Reserving stock for an order, all lines or none, and releasing it again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Shortage:
    sku: str
    requested: int
    available: int


@dataclass(frozen=True)
class Reservation:
    """What an order holds: quantity per SKU."""

    quantities: dict[str, int]


def reserve(
    available: Mapping[str, int], wanted: Sequence[tuple[str, int]]
) -> Reservation | list[Shortage]:
    """A reservation of every line, or the shortages that prevent it (nothing reserved).

    A SKU missing from ``available`` counts as 0 in stock here; the caller decides
    first whether an unknown SKU is a shortage or a data problem.
    """
    totals: dict[str, int] = {}
    for sku, quantity in wanted:
        totals[sku] = totals.get(sku, 0) + quantity
    shortages = [
        Shortage(sku, quantity, available.get(sku, 0))
        for sku, quantity in totals.items()
        if available.get(sku, 0) < quantity
    ]
    return shortages if shortages else Reservation(totals)


def after_reservation(available: Mapping[str, int], reservation: Reservation) -> dict[str, int]:
    """Stock levels once ``reservation`` is taken (only the SKUs it touches)."""
    return {sku: available[sku] - quantity for sku, quantity in reservation.quantities.items()}


def after_release(available: Mapping[str, int], reservation: Reservation) -> dict[str, int]:
    """Stock levels once ``reservation`` is given back."""
    return {
        sku: available.get(sku, 0) + quantity for sku, quantity in reservation.quantities.items()
    }
