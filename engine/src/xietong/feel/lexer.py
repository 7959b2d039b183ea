"""Tokens of a FEEL expression, each with its source offset."""

from __future__ import annotations

import re

from .errors import FeelSyntaxError, line_column
from .limits import MAX_SOURCE_LENGTH

KEYWORDS = frozenset(
    {
        "and",
        "or",
        "in",
        "between",
        "instance",
        "of",
        "if",
        "then",
        "else",
        "for",
        "return",
        "some",
        "every",
        "satisfies",
        "function",
        "true",
        "false",
        "null",
        "external",
    }
)


class Token:
    """One token; ``kind`` is "num", "str", "name", "qname" (backtick name), "op" or "eof"."""

    __slots__ = ("end", "kind", "pos", "value")

    def __init__(self, kind: str, value: str, pos: int, end: int) -> None:
        self.kind = kind
        self.value = value
        self.pos = pos
        self.end = end

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.value!r}, {self.pos})"

    def is_op(self, op: str) -> bool:
        return self.kind == "op" and self.value == op

    def is_kw(self, word: str) -> bool:
        return self.kind == "name" and self.value == word


def _error(source: str, message: str, pos: int) -> FeelSyntaxError:
    line, col = line_column(source, pos)
    return FeelSyntaxError(message, pos, line, col, source)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "b": "\b", "f": "\f"}


# FEEL's whitespace (DMN 1.5 grammar rule 32) includes three characters Python does not count as space
_SPACE = "\\s\u180e\u200b\ufeff"
_NAME = (
    r"(?:[^\W\d]|[?$]|[^\x00-\x7f" + _SPACE + r"])"
    r"(?:[\w?$']|[^\x00-\x7f" + _SPACE + r"])*"
)
_TOKEN = re.compile(
    r"(?P<ws>[" + _SPACE + r"]+)"
    r"|(?P<comment>//[^\n]*|/\*.*?\*/)"
    r"|(?P<num>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r'|(?P<str>"(?:[^"\\]|\\.)*")'
    r"|(?P<qname>`[^`]*`)"
    r"|(?P<name>" + _NAME + r")"
    r"|(?P<op>\*\*|\.\.|<=|>=|!=|->|[=<>+\-*/()\[\]{},:.?@])",
    re.S,
)


def _unescape(body: str) -> str:
    parts: list[str] = []
    j, n = 0, len(body)
    while j < n:
        c = body[j]
        if c == "\\" and j + 1 < n:
            e = body[j + 1]
            if e in _ESCAPES:
                parts.append(_ESCAPES[e])
                j += 2
                continue
            if e == "u" and j + 6 <= n:
                code = int(body[j + 2 : j + 6], 16)
                j += 6
                if 0xD800 <= code <= 0xDBFF and body.startswith("\\u", j):
                    low = int(body[j + 2 : j + 6], 16)
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    j += 6
                parts.append(chr(code))
                continue
            if e == "U" and j + 8 <= n:
                parts.append(chr(int(body[j + 2 : j + 8], 16)))
                j += 8
                continue
        parts.append(c)
        j += 1
    return "".join(parts)


def tokenize(source: str) -> list[Token]:
    """Split FEEL source into tokens; raises FeelSyntaxError with the offending position."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise _error(source, f"expression longer than {MAX_SOURCE_LENGTH} characters", MAX_SOURCE_LENGTH)
    tokens: list[Token] = []
    append = tokens.append
    match = _TOKEN.match
    i, n = 0, len(source)
    while i < n:
        m = match(source, i)
        if m is None:
            ch = source[i]
            if ch == '"':
                raise _error(source, "unterminated string literal", i)
            if ch == "`":
                raise _error(source, "unterminated `name`", i)
            raise _error(source, f"unexpected character {ch!r}", i)
        kind = m.lastgroup
        end = m.end()
        if kind == "ws" or kind == "comment":
            pass
        elif kind == "op" and source.startswith("/*", i):
            raise _error(source, "unterminated comment", i)
        elif kind == "str":
            body = source[i + 1 : end - 1]
            try:
                value = _unescape(body) if "\\" in body else body
            except ValueError as exc:
                raise _error(source, "invalid escape in string literal", i) from exc
            append(Token("str", value, i, end))
        elif kind == "qname":
            append(Token("qname", source[i + 1 : end - 1], i, end))
        else:
            append(Token(kind, m.group(kind), i, end))  # type: ignore[arg-type]
        i = end
    tokens.append(Token("eof", "", n, n))
    return tokens
