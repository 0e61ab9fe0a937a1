"""Compile an EventBridge event pattern's text into sub-rules, validating as AWS does.

A pattern compiles to a list of sub-rules (one per ``$or`` branch combination);
each sub-rule is a conjunction of ``Condition``s on dotted paths. Validation runs
here, once, when a pattern is added; matching never re-validates.

The compiler pulls tokens from ``Tokenizer`` one at a time, so the first problem
in reading order is the one reported, in EventBridge's words.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from typing import Final

from orderflow.eventbus.errors import InvalidEventPatternException, ValidationException
from orderflow.eventbus.patterns.matchers import (
    AnythingBut,
    AnythingButMatching,
    Cidr,
    Condition,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Numeric,
    Prefix,
    SubRule,
    Suffix,
    ValueKey,
    ValueMatcher,
    Wildcard,
    value_key,
)
from orderflow.eventbus.patterns.tokens import Tok, Token, Tokenizer
from orderflow.eventbus.patterns.wildcard import (
    MAX_COMPLEXITY,
    TOO_COMPLEX,
    WildcardPattern,
    WildcardSyntaxError,
)

MAX_PATTERN_LENGTH: Final = 4096
MAX_COMBINATIONS: Final = 1000
MAX_SPLIT: Final = 64
OR_KEYWORD: Final = "$or"
_MATCH_TYPES: Final = frozenset(
    {
        "exactly",
        "prefix",
        "suffix",
        "numeric",
        "anything-but",
        "exists",
        "cidr",
        "equals-ignore-case",
        "wildcard",
    }
)
_COMPARISONS: Final = ("<", "<=", "=", ">=", ">")
_NUMBER_DIGITS: Final = re.compile(r"[1-9]")


class _Leaf:
    """The value list of one field while it is being read."""

    __slots__ = ("absent_ok", "matchers")

    def __init__(self) -> None:
        self.matchers: set[ValueMatcher] = set()
        self.absent_ok = False


def check_length(event_pattern: str) -> None:
    """EventBridge's length limit on EventPattern, with its validation wording."""
    if len(event_pattern) > MAX_PATTERN_LENGTH:
        raise ValidationException(
            "1 validation error detected: Value at 'eventPattern' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_PATTERN_LENGTH}"
        )


def compile_pattern(event_pattern: str) -> list[SubRule]:
    """Validate ``event_pattern`` and compile it into sub-rules (a disjunction).

    Raises ``InvalidEventPatternException`` with AWS's reason for an invalid
    pattern and ``ValidationException`` for one longer than 4,096 characters.
    """
    check_length(event_pattern)
    return _Compiler(event_pattern).compile()


class _Compiler:
    def __init__(self, text: str) -> None:
        self.tokens = Tokenizer(text)

    def fail(self, reason: str) -> InvalidEventPatternException:
        return self.tokens.fail(reason)

    def compile(self) -> list[SubRule]:
        if self.tokens.next().kind is not Tok.START_OBJECT:
            raise self.fail("Filter is not an object")
        branches: list[dict[str, _Leaf]] = [{}]
        branches = self._object(branches, prefix="", inside_or=False)
        end = self.tokens.next()
        if end.kind is not Tok.EOF:
            raise self.fail("Unexpected content after the pattern's closing brace")
        return [sub_rule for branch in branches for sub_rule in _to_sub_rules(branch)]

    # -- structure ----------------------------------------------------------

    def _object(
        self, branches: list[dict[str, _Leaf]], *, prefix: str, inside_or: bool
    ) -> list[dict[str, _Leaf]]:
        fields = 0
        while (token := self.tokens.next()).kind is not Tok.END_OBJECT:
            fields += 1
            name = token.text
            if name == OR_KEYWORD:
                branches = self._or(branches, prefix=prefix)
                continue
            if inside_or and name in _MATCH_TYPES:
                raise self.fail(
                    f"{name} is Ruler reserved fieldName which cannot be used inside {OR_KEYWORD}."
                )
            path = f"{prefix}.{name}" if prefix else name
            value = self.tokens.next()
            if value.kind is Tok.START_OBJECT:
                branches = self._object(branches, prefix=path, inside_or=inside_or)
            elif value.kind is Tok.START_ARRAY:
                leaf = self._leaf()
                for branch in branches:
                    branch[path] = leaf
            else:
                raise self.fail(f'"{name}" must be an object or an array')
        if not fields:
            raise self.fail("Empty objects are not allowed")
        return branches

    def _or(self, branches: list[dict[str, _Leaf]], *, prefix: str) -> list[dict[str, _Leaf]]:
        if self.tokens.next().kind is not Tok.START_ARRAY:
            raise self.fail(f"It must be an Array followed with {OR_KEYWORD}.")
        combined: list[dict[str, _Leaf]] = []
        count = 0
        while (token := self.tokens.next()).kind is not Tok.END_ARRAY:
            count += 1
            if token.kind is not Tok.START_OBJECT:
                raise self.fail(
                    f"Only JSON object is allowed in array of {OR_KEYWORD} relationship."
                )
            copies = [dict(branch) for branch in branches]
            combined.extend(self._object(copies, prefix=prefix, inside_or=True))
            if len(combined) > MAX_COMBINATIONS:
                raise self.fail(
                    f"The rule has more than {MAX_COMBINATIONS} combinations of {OR_KEYWORD} "
                    "branches; use fewer or simpler $or expressions"
                )
        if count < 2:
            raise self.fail(f"There must have at least 2 Objects in {OR_KEYWORD} relationship.")
        return combined

    def _leaf(self) -> _Leaf:
        leaf = _Leaf()
        empty = True
        while (token := self.tokens.next()).kind is not Tok.END_ARRAY:
            empty = False
            if token.kind is Tok.START_OBJECT:
                self._match_expression(leaf)
            elif token.kind is Tok.START_ARRAY:
                raise self.fail("Match value must be String, number, true, false, or null")
            else:
                leaf.matchers.add(Exact(self._scalar_key(token)))
        if empty:
            raise self.fail("Empty arrays are not allowed")
        return leaf

    def _scalar_key(self, token: Token) -> ValueKey:
        if token.kind is Tok.STRING:
            return token.text
        if token.kind is Tok.NUMBER:
            return value_key(_json_number(token.text))
        if token.kind is Tok.NULL:
            return value_key(None)
        return value_key(token.kind is Tok.TRUE)

    # -- match expressions ----------------------------------------------------

    def _match_expression(self, leaf: _Leaf) -> None:
        name_token = self.tokens.next()
        if name_token.kind is not Tok.FIELD_NAME:
            raise self.fail("Match expression name not found")
        name = name_token.text
        handler = self._handlers().get(name)
        if handler is None:
            raise self.fail(f"Unrecognized match type {name}")
        handler(leaf)

    def _handlers(self) -> dict[str, Callable[[_Leaf], None]]:
        return {
            "exactly": self._exactly,
            "prefix": self._prefix,
            "suffix": self._suffix,
            "equals-ignore-case": self._equals_ignore_case,
            "wildcard": self._wildcard,
            "numeric": self._numeric,
            "exists": self._exists,
            "cidr": self._cidr,
            "anything-but": self._anything_but,
        }

    def _end_of_expression(self, reason: str = "Only one key allowed in match expression") -> None:
        if self.tokens.next().kind is not Tok.END_OBJECT:
            raise self.fail(reason)

    def _string(self, what: str) -> str:
        token = self.tokens.next()
        if token.kind is not Tok.STRING:
            raise self.fail(f"{what} match pattern must be a string")
        return token.text

    def _exactly(self, leaf: _Leaf) -> None:
        leaf.matchers.add(Exact(self._string("exact")))
        self._end_of_expression()

    def _prefix(self, leaf: _Leaf) -> None:
        leaf.matchers.add(Prefix(*self._affix("prefix")))

    def _suffix(self, leaf: _Leaf) -> None:
        leaf.matchers.add(Suffix(*self._affix("suffix")))

    def _affix(self, kind: str) -> tuple[str, bool]:
        """The argument of prefix/suffix: a string, or ``{"equals-ignore-case": string}``."""
        token = self.tokens.next()
        if token.kind is Tok.START_OBJECT:
            inner = self.tokens.next()
            if inner.kind is not Tok.FIELD_NAME or inner.text != "equals-ignore-case":
                raise self.fail(f"Unsupported {kind} pattern: {inner.text}")
            text = self._string("equals-ignore-case")
            self._end_of_expression()
            self._end_of_expression()
            return text.lower(), True
        if token.kind is not Tok.STRING:
            raise self.fail(f"{kind} match pattern must be a string")
        self._end_of_expression()
        return token.text, False

    def _equals_ignore_case(self, leaf: _Leaf) -> None:
        leaf.matchers.add(EqualsIgnoreCase(self._string("equals-ignore-case").lower()))
        self._end_of_expression()

    def _wildcard(self, leaf: _Leaf) -> None:
        leaf.matchers.add(Wildcard(self._wildcard_pattern(self._string("wildcard"))))
        self._end_of_expression()

    def _wildcard_pattern(self, text: str) -> WildcardPattern:
        try:
            pattern = WildcardPattern.parse(text)
        except WildcardSyntaxError as exc:
            raise self.fail(str(exc)) from exc
        if pattern.complexity() > MAX_COMPLEXITY:
            raise self.fail(TOO_COMPLEX)
        return pattern

    def _exists(self, leaf: _Leaf) -> None:
        token = self.tokens.next()
        if token.kind is Tok.TRUE:
            leaf.matchers.add(Exists())
        elif token.kind is Tok.FALSE:
            leaf.absent_ok = True
        else:
            raise self.fail("exists match pattern must be either true or false.")
        self._end_of_expression()

    def _cidr(self, leaf: _Leaf) -> None:
        text = self._string("cidr")
        try:
            network = _parse_cidr(text)
        except ValueError as exc:
            raise self.fail(str(exc)) from exc
        leaf.matchers.add(Cidr(network))
        self._end_of_expression()

    def _numeric(self, leaf: _Leaf) -> None:
        if self.tokens.next().kind is not Tok.START_ARRAY:
            raise self.fail("Value of numeric must be an array.")
        leaf.matchers.add(self._numeric_range())
        self._end_of_expression("Too many elements in numeric expression")

    def _numeric_range(self) -> Numeric:
        token = self.tokens.next()
        if token.kind is not Tok.STRING:
            raise self.fail(f"Invalid member in numeric match: {token.text}")
        operator = token.text
        if operator not in _COMPARISONS:
            raise self.fail(f"Unrecognized numeric range operator: {operator}")
        value = self._numeric_operand("equals" if operator == "=" else operator)
        following = self.tokens.next()
        if operator == "=":
            if following.kind is not Tok.END_ARRAY:
                raise self.fail("Too many elements in numeric expression")
            return Numeric(value, False, value, False)
        if operator in ("<", "<="):
            if following.kind is not Tok.END_ARRAY:
                raise self.fail("Too many elements in numeric expression")
            return Numeric(high=value, high_open=operator == "<")
        low_open = operator == ">"
        if following.kind is Tok.END_ARRAY:
            return Numeric(low=value, low_open=low_open)
        if following.kind is not Tok.STRING:
            raise self.fail(f"Bad value in numeric range: {following.text}")
        upper = following.text
        if upper not in ("<", "<="):
            raise self.fail(f"Bad numeric range operator: {upper}")
        high = self._numeric_operand(upper)
        if self.tokens.next().kind is not Tok.END_ARRAY:
            raise self.fail("Too many terms in numeric range expression")
        if value >= high:
            raise self.fail("Bottom must be less than top")
        return Numeric(value, low_open, high, upper == "<")

    def _numeric_operand(self, operator: str) -> float:
        token = self.tokens.next()
        if token.kind is not Tok.NUMBER:
            raise self.fail(f"Value of {operator} must be numeric")
        return _comparable(token.text, self.fail)

    def _anything_but(self, leaf: _Leaf) -> None:
        token = self.tokens.next()
        if token.kind is Tok.START_OBJECT:
            leaf.matchers.add(self._anything_but_object())
            return
        if token.kind is Tok.START_ARRAY:
            keys = self._anything_but_list()
        elif token.kind in (Tok.STRING, Tok.NUMBER):
            keys = frozenset({self._scalar_key(token)})
        else:
            raise self.fail("Value of anything-but must be an array or single string/number value.")
        leaf.matchers.add(AnythingBut(keys))
        self._end_of_expression("Too many elements in numeric expression")

    def _anything_but_list(self) -> frozenset[ValueKey]:
        keys: set[ValueKey] = set()
        kinds: set[Tok] = set()
        while (token := self.tokens.next()).kind is not Tok.END_ARRAY:
            if token.kind not in (Tok.STRING, Tok.NUMBER):
                raise self.fail("Inside anything but list, start|null|boolean is not supported.")
            kinds.add(token.kind)
            keys.add(self._scalar_key(token))
        if len(kinds) != 1:
            raise self.fail(
                "Inside anything but list, either all values are number or string, "
                "mixed type is not supported"
            )
        return frozenset(keys)

    def _anything_but_object(self) -> AnythingButMatching:
        """``{"anything-but": {op: ...}}``, read through the closing brace of the expression."""
        name_token = self.tokens.next()
        if name_token.kind is not Tok.FIELD_NAME:
            raise self.fail("Anything-But expression name not found")
        operator = name_token.text
        if operator in ("prefix", "suffix"):
            token = self.tokens.next()
            if token.kind is not Tok.STRING:
                raise self.fail("prefix/suffix match pattern must be a string")
            if not token.text:
                raise self.fail("Null prefix/suffix not allowed")
            self._end_of_expression()
            self._end_of_expression()
            inner: Prefix | Suffix = (
                Prefix(token.text) if operator == "prefix" else Suffix(token.text)
            )
            return AnythingButMatching((inner,))
        if operator == "equals-ignore-case":
            texts = self._anything_but_strings(
                "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
                "supported."
            )
            self._end_of_expression("Too many elements in numeric expression")
            self._end_of_expression("Too many elements in numeric expression")
            return AnythingButMatching(
                tuple(EqualsIgnoreCase(text.lower()) for text in sorted(texts))
            )
        if operator == "wildcard":
            texts = self._anything_but_strings("wildcard match pattern must be a string")
            self._end_of_expression()
            self._end_of_expression()
            return AnythingButMatching(
                tuple(Wildcard(self._wildcard_pattern(text)) for text in sorted(texts))
            )
        raise self.fail(f"Unsupported anything-but pattern: {operator}")

    def _anything_but_strings(self, reason: str) -> set[str]:
        """A string or a non-empty list of strings (the argument of a wrapped anything-but)."""
        token = self.tokens.next()
        if token.kind is Tok.STRING:
            return {token.text}
        if token.kind is not Tok.START_ARRAY:
            raise self.fail(reason)
        texts: set[str] = set()
        while (item := self.tokens.next()).kind is not Tok.END_ARRAY:
            if item.kind is not Tok.STRING:
                raise self.fail(reason)
            texts.add(item.text)
        if not texts:
            raise self.fail("Empty arrays are not allowed")
        return texts


def _json_number(text: str) -> int | float:
    """A JSON number as Python sees it: ``int`` when written without fraction or exponent."""
    if any(char in text for char in ".eE"):
        return float(text)
    return int(text)


def _comparable(text: str, fail: Callable[[str], InvalidEventPatternException]) -> float:
    """A number usable in a numeric comparison: a finite double, not one that underflows."""
    value = float(text)
    mantissa = text.split("e", maxsplit=1)[0].split("E", maxsplit=1)[0]
    if math.isinf(value) or (value == 0 and _NUMBER_DIGITS.search(mantissa)):
        raise fail(f"Cannot compare number : {text}")
    return value


def _parse_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Parse a CIDR block with AWS's reasons for refusing one."""
    parts = text.split("/")
    if len(parts) != 2:
        raise ValueError("Malformed CIDR, one '/' required")
    address_text, bits_text = parts
    if not re.fullmatch(r"-?[0-9]+", bits_text):
        raise ValueError("Malformed CIDR, mask bits must be an integer")
    bits = int(bits_text)
    if bits < 0:
        raise ValueError("Malformed CIDR, mask bits must not be negative")
    try:
        address = ipaddress.ip_address(address_text)
    except ValueError:
        raise ValueError(f"Nonstandard IP address: {address_text}") from None
    limit = 32 if address.version == 4 else 128
    if bits >= limit:
        raise ValueError(f"IPv{address.version} mask bits must be < {limit}")
    return ipaddress.ip_network(f"{address_text}/{bits}", strict=False)


def _to_sub_rules(branch: dict[str, _Leaf]) -> list[SubRule]:
    """The sub-rules of one ``$or`` branch, alternatives split out (see ``_split``)."""
    conditions = [
        Condition(path, frozenset(leaf.matchers), leaf.absent_ok) for path, leaf in branch.items()
    ]
    conditions.sort(key=_walk_order)
    return [tuple(sorted(split, key=_walk_order)) for split in _split(conditions)]


def _walk_order(condition: Condition) -> tuple[int, str, str]:
    return (condition.rank, condition.path, repr(sorted(map(repr, condition.matchers))))


def _alternatives(condition: Condition) -> list[Condition]:
    """A condition as one condition per matcher (and one for absence), ORed."""
    singles = [Condition(condition.path, frozenset({matcher})) for matcher in condition.matchers]
    if condition.absent_ok:
        singles.append(Condition(condition.path, frozenset(), absent_ok=True))
    return singles


def _split(conditions: list[Condition]) -> list[list[Condition]]:
    """Split ORed values into separate sub-rules while the combinations stay few.

    ``"detail-type": ["OrderCreated", "OrderUpdated"]`` becomes two sub-rules, one per
    value, so rules listing different sets of values still share the branch for each
    value in the rule index instead of each set growing a branch of its own. Splitting
    stops at ``MAX_SPLIT`` combinations (most selective conditions split first).
    """
    combinations: list[list[Condition]] = [[]]
    for condition in conditions:
        options = _alternatives(condition)
        if len(options) > 1 and len(combinations) * len(options) <= MAX_SPLIT:
            combinations = [[*done, option] for done in combinations for option in options]
        else:
            combinations = [[*done, condition] for done in combinations]
    return combinations
