"""What the domain refuses.

OrderflowError                 (orderflow.errors)
└── DomainError
    ├── InvalidOrder           the order's content is wrong (field-level problems listed)
    ├── OrderConflict          the order's state forbids the change (cancelled, refunded)
    └── UnknownSku             a SKU the catalog or the stock does not know
"""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.errors import OrderflowError


class DomainError(OrderflowError):
    """A business rule refused the request; the message says which and why."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (a path of field names and indexes) and what."""

    location: tuple[str | int, ...]
    message: str


class InvalidOrder(DomainError):
    """The order's content breaks a rule; ``problems`` lists every field at fault."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(
                f"{'.'.join(str(part) for part in problem.location)}: {problem.message}"
                for problem in problems
            )
        )


class OrderConflict(DomainError):
    """The order is in a state that forbids the change (for example, already cancelled)."""


class UnknownSku(DomainError):
    """A SKU that the catalog or the stock does not know."""

    def __init__(self, skus: list[str]) -> None:
        self.skus = skus
        super().__init__(
            f"Unknown SKU{'s' if len(skus) > 1 else ''}: {', '.join(skus)}. "
            "Add it to the inventory (orderflow inventory set SKU QUANTITY --price PRICE) "
            "and retry."
        )
