"""A streaming JSON tokenizer for event patterns, with Jackson's error wording.

EventBridge validates a pattern while it streams through it (AWS's matcher uses
Jackson), so the first problem met in reading order is the one reported: a
pattern ``{"prefix": [1, 2 3]}`` is refused for its prefix value before the
missing comma is ever seen. To report the same problem with the same words we
tokenize lazily and let the compiler pull one token at a time.

Errors carry Jackson's location suffix (`` at [Source: (String)"..."; line: L,
column: C]``) so messages read like AWS's own.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from orderflow.eventbus.errors import InvalidEventPatternException


class Tok(enum.Enum):
    """Token kinds, as a streaming JSON parser reports them."""

    START_OBJECT = "{"
    END_OBJECT = "}"
    START_ARRAY = "["
    END_ARRAY = "]"
    FIELD_NAME = "field"
    STRING = "string"
    NUMBER = "number"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"
    EOF = "eof"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its decoded value (for names, strings, numbers) and its raw text."""

    kind: Tok
    text: str
    end: int  # index just past the token in the source

    @property
    def is_number(self) -> bool:
        return self.kind is Tok.NUMBER


_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING_BODY = re.compile(r'[^"\\\x00-\x1f]*')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_WHITESPACE = " \t\n\r"
_MAX_DEPTH = 64


@dataclass(slots=True)
class _Frame:
    """An open object or array: whether a field name comes next, and how many entries so far."""

    is_object: bool
    expect_name: bool = True
    count: int = 0


def _describe(char: str) -> str:
    if ord(char) < 32:
        return f"(CTRL-CHAR, code {ord(char)})"
    return f"('{char}' (code {ord(char)}))"


class Tokenizer:
    """Pulls tokens one at a time from a pattern's text, checking JSON syntax as it goes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.last_end = 0
        self._stack: list[_Frame] = []
        self._done = False

    # -- errors -------------------------------------------------------------

    def location(self, index: int) -> str:
        """Jackson's location suffix for a 0-based index into the text."""
        line = self.text.count("\n", 0, index) + 1
        column = index - (self.text.rfind("\n", 0, index) + 1) + 1
        return f' at [Source: (String)"{self.text}"; line: {line}, column: {column}]'

    def fail(self, reason: str, index: int | None = None) -> InvalidEventPatternException:
        """An error for ``reason``, located just past the last token (or at ``index``)."""
        where = self.last_end if index is None else index
        return InvalidEventPatternException.because(f"{reason}\n{self.location(where)}")

    # -- scanning -----------------------------------------------------------

    def _skip_whitespace(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos

    def _unexpected(self, expectation: str) -> InvalidEventPatternException:
        if self.pos >= len(self.text):
            return self.fail(f"Unexpected end-of-input: {expectation}", self.pos)
        char = self.text[self.pos]
        return self.fail(f"Unexpected character {_describe(char)}: {expectation}", self.pos + 1)

    def _read_string(self) -> str:
        text = self.text
        pos = self.pos + 1
        parts: list[str] = []
        while True:
            body = _STRING_BODY.match(text, pos)
            assert body is not None  # the pattern matches the empty string
            parts.append(body.group())
            pos = body.end()
            if pos >= len(text):
                self.pos = pos
                raise self.fail(
                    "Unexpected end-of-input: was expecting closing quote for a string value", pos
                )
            char = text[pos]
            if char == '"':
                self.pos = pos + 1
                return "".join(parts)
            if char == "\\":
                decoded, pos = self._read_escape(pos)
                parts.append(decoded)
                continue
            raise self.fail(
                f"Illegal unquoted character {_describe(char)}: has to be escaped using "
                "backslash to be included in string value",
                pos + 1,
            )

    def _read_escape(self, pos: int) -> tuple[str, int]:
        """The character an escape at ``pos`` stands for, and the index just past it.

        A UTF-16 surrogate pair (``\\ud83d\\ude00``) is one character, as JSON defines it.
        """
        text = self.text
        if pos + 1 >= len(text):
            raise self.fail("Unexpected end-of-input in character escape sequence", pos + 1)
        code = text[pos + 1]
        if code in _ESCAPES:
            return _ESCAPES[code], pos + 2
        if code != "u":
            raise self.fail(f"Unrecognized character escape {_describe(code)}", pos + 2)
        unit = self._code_unit(pos)
        if 0xD800 <= unit <= 0xDBFF and text.startswith("\\u", pos + 6):
            low = self._code_unit(pos + 6)
            if 0xDC00 <= low <= 0xDFFF:
                return chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)), pos + 12
        return chr(unit), pos + 6

    def _code_unit(self, pos: int) -> int:
        digits = self.text[pos + 2 : pos + 6]
        if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
            return int(digits, 16)
        raise self.fail(
            "Unexpected character in unicode escape: expected a hex-digit for character "
            "escape sequence",
            pos + 2,
        )

    def _read_scalar(self) -> tuple[Tok, str]:
        text, pos = self.text, self.pos
        char = text[pos]
        if char == '"':
            return Tok.STRING, self._read_string()
        for word, kind in (("true", Tok.TRUE), ("false", Tok.FALSE), ("null", Tok.NULL)):
            if text.startswith(word, pos):
                self.pos = pos + len(word)
                return kind, word
        number = _NUMBER.match(text, pos)
        if number is not None:
            self.pos = number.end()
            return Tok.NUMBER, number.group()
        raise self._unexpected(
            "expected a valid value (JSON String, Number, Array, Object or token 'null', "
            "'true' or 'false')"
        )

    # -- the token stream ---------------------------------------------------

    def next(self) -> Token:
        """The next token; raises with Jackson's wording when the JSON is malformed."""
        token = self._next()
        self.last_end = token.end
        return token

    def _next(self) -> Token:
        self._skip_whitespace()
        text = self.text
        if not self._stack:
            if self._done:
                if self.pos < len(text):
                    raise self._unexpected("expected end of input")
                return Token(Tok.EOF, "", self.pos)
            return self._value_token()
        frame = self._stack[-1]
        if frame.is_object:
            if frame.expect_name:
                return self._field_name(frame)
            return self._value_token()
        # inside an array
        if self.pos < len(text) and text[self.pos] == "]":
            self.pos += 1
            self._close()
            return Token(Tok.END_ARRAY, "]", self.pos)
        if frame.count:
            if self.pos >= len(text) or text[self.pos] != ",":
                raise self._unexpected("was expecting comma to separate Array entries")
            self.pos += 1
            self._skip_whitespace()
        frame.count += 1
        return self._value_token()

    def _field_name(self, frame: _Frame) -> Token:
        text = self.text
        if self.pos < len(text) and text[self.pos] == "}":
            self.pos += 1
            self._close()
            return Token(Tok.END_OBJECT, "}", self.pos)
        if frame.count:
            if self.pos >= len(text) or text[self.pos] != ",":
                raise self._unexpected("was expecting comma to separate Object entries")
            self.pos += 1
            self._skip_whitespace()
        if self.pos >= len(text) or text[self.pos] != '"':
            raise self._unexpected("was expecting double-quote to start field name")
        name = self._read_string()
        self._skip_whitespace()
        if self.pos >= len(text) or text[self.pos] != ":":
            raise self._unexpected("was expecting a colon to separate field name and value")
        self.pos += 1
        frame.expect_name = False
        frame.count += 1
        return Token(Tok.FIELD_NAME, name, self.pos - 1)

    def _value_token(self) -> Token:
        if self.pos >= len(self.text):
            raise self._unexpected("expected close marker or a value")
        char = self.text[self.pos]
        if self._stack and self._stack[-1].is_object:
            self._stack[-1].expect_name = True
        if char in "{[":
            if len(self._stack) >= _MAX_DEPTH:
                raise self.fail(
                    f"Pattern nesting is too deep: at most {_MAX_DEPTH} levels are allowed",
                    self.pos + 1,
                )
            self.pos += 1
            self._stack.append(_Frame(is_object=char == "{"))
            return Token(Tok.START_OBJECT if char == "{" else Tok.START_ARRAY, char, self.pos)
        kind, value = self._read_scalar()
        if not self._stack:
            self._done = True
        return Token(kind, value, self.pos)

    def _close(self) -> None:
        self._stack.pop()
        if not self._stack:
            self._done = True

    def skip_value(self, first: Token) -> None:
        """Consume the rest of a value whose first token was ``first``."""
        if first.kind not in (Tok.START_OBJECT, Tok.START_ARRAY):
            return
        depth = 1
        while depth:
            token = self.next()
            if token.kind in (Tok.START_OBJECT, Tok.START_ARRAY):
                depth += 1
            elif token.kind in (Tok.END_OBJECT, Tok.END_ARRAY):
                depth -= 1
