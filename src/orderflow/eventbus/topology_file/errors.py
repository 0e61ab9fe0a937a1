"""What can go wrong with a topology file, each problem located in the file.

OrderflowError                  (orderflow.errors)
├── TopologyError               the file cannot be read, parsed, validated or planned:
│                               ``problems`` lists each one with where it is
└── ApplyError                  the engine refused a change while applying a plan:
                                ``change`` is the one refused, ``applied`` how many
                                changes went through before it, ``error`` the AwsError
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orderflow.errors import OrderflowError

if TYPE_CHECKING:
    from orderflow.eventbus.errors import AwsError
    from orderflow.eventbus.topology_file.changes import Change

Location = Sequence[str | int]


def format_location(location: Location) -> str:
    """``("rules", "orders", "targets", 0)`` as ``rules.orders.targets[0]``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, where it is, and on which line when known."""

    path: tuple[str | int, ...]
    message: str
    line: int | None = None

    @property
    def location(self) -> str:
        """Where in the file, as ``rules.orders.targets[0]``."""
        return format_location(self.path)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.path else self.message
        return f"{text} (line {self.line})" if self.line is not None else text


class TopologyError(OrderflowError):
    """The topology file cannot be used; ``problems`` says where and why, one per line."""

    def __init__(self, problems: Iterable[Problem], source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source
        lines = [str(problem) for problem in self.problems]
        heading = f"{source}: " if source else ""
        if len(lines) == 1:
            super().__init__(heading + lines[0])
        else:
            super().__init__(
                f"{heading}{len(lines)} problems\n" + "\n".join(f"  {line}" for line in lines)
            )

    @classmethod
    def at(cls, location: Location, message: str) -> TopologyError:
        """The error for one problem at ``location``."""
        return cls([Problem(tuple(location), message)])


class ApplyError(OrderflowError):
    """The engine refused ``change``; the ``applied`` changes before it were made."""

    def __init__(self, change: Change, applied: int, error: AwsError) -> None:
        super().__init__(f"{change.summary}: {error.message}")
        self.change = change
        self.applied = applied
        self.error = error
