"""Wildcard patterns: ``*`` stands for any run of characters; ``\\*`` and ``\\\\`` are literal.

Parsing mirrors EventBridge's wording for bad patterns ("Consecutive wildcard
characters at pos N", "Invalid escape character at pos N", positions counted in
UTF-8 bytes of the quoted value, as AWS counts them). Overly complex patterns are refused, as AWS
refuses them, by measuring the most matcher states one input could keep alive at
once (see ``complexity``).

Matching is linear in practice: the literal runs between stars are found left to
right with ``str.find`` (leftmost placement is always safe for ``*``-only globs), so
a hostile 256 KB value cannot make a pattern backtrack exponentially.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MAX_COMPLEXITY: Final = 5
"""The most states a wildcard pattern may keep alive at once; ``*:*:*:*:*:x/*`` has 6."""

_MAX_EXPLORED: Final = 4096
TOO_COMPLEX: Final = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)


class WildcardSyntaxError(ValueError):
    """The wildcard text cannot be parsed; the message is AWS's reason."""


@dataclass(frozen=True)
class WildcardPattern:
    """A parsed wildcard: the literal runs between the stars."""

    segments: tuple[str, ...]  # len(segments) == number of stars + 1

    @classmethod
    def parse(cls, text: str) -> WildcardPattern:
        """Parse ``text``; raises ``WildcardSyntaxError`` with AWS's reason."""
        segments: list[str] = []
        current: list[str] = []
        byte_pos = 1  # AWS counts positions in the quoted JSON string: the quote is pos 0
        index = 0
        while index < len(text):
            char = text[index]
            if char == "*":
                if index + 1 < len(text) and text[index + 1] == "*":
                    raise WildcardSyntaxError(f"Consecutive wildcard characters at pos {byte_pos}")
                segments.append("".join(current))
                current = []
            elif char == "\\":
                following = text[index + 1] if index + 1 < len(text) else ""
                if following not in ("*", "\\"):
                    raise WildcardSyntaxError(f"Invalid escape character at pos {byte_pos}")
                current.append(following)
                index += 1
                byte_pos += 1
            else:
                current.append(char)
            byte_pos += len(char.encode("utf-8", "surrogatepass"))
            index += 1
        segments.append("".join(current))
        return cls(tuple(segments))

    @property
    def star_count(self) -> int:
        return len(self.segments) - 1

    def matches(self, value: str) -> bool:
        """Whether ``value`` matches the whole pattern."""
        segments = self.segments
        if len(segments) == 1:
            return value == segments[0]
        first, last = segments[0], segments[-1]
        if len(value) < len(first) + len(last):
            return False
        if not value.startswith(first) or not value.endswith(last):
            return False
        position = len(first)
        end = len(value) - len(last)
        for middle in segments[1:-1]:
            found = value.find(middle, position, end)
            if found < 0:
                return False
            position = found + len(middle)
        return True

    def complexity(self) -> int:
        """The most NFA states any single input can keep active at once.

        Each star can absorb input while later literals also progress, so inputs
        that repeat the characters following a star keep many states alive; this
        is what makes a pattern expensive to match for AWS as well.
        """
        literals: list[str] = []
        star_before: list[bool] = []  # star_before[i]: a star precedes literal i
        for position, segment in enumerate(self.segments):
            for offset, char in enumerate(segment):
                star_before.append(position > 0 and offset == 0)
                literals.append(char)
        loops = {i for i, starred in enumerate(star_before) if starred}
        if self.segments[-1] == "" and self.star_count:
            loops.add(len(literals))
        alphabet = set(literals) | {"\uffff"}

        start = frozenset({0})
        seen = {start}
        frontier = [start]
        worst = 1
        while frontier:
            active = frontier.pop()
            for char in alphabet:
                following = frozenset(
                    {state for state in active if state in loops}
                    | {
                        state + 1
                        for state in active
                        if state < len(literals) and literals[state] == char
                    }
                )
                if not following or following in seen:
                    continue
                worst = max(worst, len(following))
                if worst > MAX_COMPLEXITY or len(seen) >= _MAX_EXPLORED:
                    return max(worst, MAX_COMPLEXITY + 1)
                seen.add(following)
                frontier.append(following)
        return worst
