"""Tokens of a FEEL expression, each with its source offset."""

from __future__ import annotations

from dataclasses import dataclass

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

_OPERATORS = (
    "**",
    "..",
    "<=",
    ">=",
    "!=",
    "->",
    "=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "?",
    "@",
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num" | "str" | "name" | "qname" (backtick name) | "op" | "eof"
    value: str
    pos: int
    end: int

    def is_op(self, op: str) -> bool:
        return self.kind == "op" and self.value == op

    def is_kw(self, word: str) -> bool:
        return self.kind == "name" and self.value == word


def _error(source: str, message: str, pos: int) -> FeelSyntaxError:
    line, col = line_column(source, pos)
    return FeelSyntaxError(message, pos, line, col, source)


def _name_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_?$" or (ord(ch) > 127 and not ch.isspace())


def _name_part(ch: str) -> bool:
    return ch.isalnum() or ch in "_?$'" or (ord(ch) > 127 and not ch.isspace())


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "b": "\b", "f": "\f"}


def tokenize(source: str) -> list[Token]:
    """Split FEEL source into tokens; raises FeelSyntaxError with the offending position."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise _error(source, f"expression longer than {MAX_SOURCE_LENGTH} characters", MAX_SOURCE_LENGTH)
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        if source.startswith("//", i):
            j = source.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if source.startswith("/*", i):
            j = source.find("*/", i + 2)
            if j < 0:
                raise _error(source, "unterminated comment", i)
            i = j + 2
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isdigit()):
            j = i
            while j < n and source[j].isdigit():
                j += 1
            if j < n and source[j] == "." and j + 1 < n and source[j + 1].isdigit():
                j += 1
                while j < n and source[j].isdigit():
                    j += 1
            if (
                j < n
                and source[j] in "eE"
                and (
                    (j + 1 < n and source[j + 1].isdigit())
                    or (j + 2 < n and source[j + 1] in "+-" and source[j + 2].isdigit())
                )
            ):
                j += 2
                while j < n and source[j].isdigit():
                    j += 1
            tokens.append(Token("num", source[i:j], i, j))
            i = j
            continue
        if ch == '"':
            j = i + 1
            parts: list[str] = []
            while True:
                if j >= n:
                    raise _error(source, "unterminated string literal", i)
                c = source[j]
                if c == '"':
                    break
                if c == "\\" and j + 1 < n:
                    e = source[j + 1]
                    if e in _ESCAPES:
                        parts.append(_ESCAPES[e])
                        j += 2
                        continue
                    if e == "u" and j + 6 <= n:
                        code = int(source[j + 2 : j + 6], 16)
                        j += 6
                        if 0xD800 <= code <= 0xDBFF and source.startswith("\\u", j):
                            low = int(source[j + 2 : j + 6], 16)
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            j += 6
                        parts.append(chr(code))
                        continue
                    if e == "U" and j + 8 <= n:
                        parts.append(chr(int(source[j + 2 : j + 8], 16)))
                        j += 8
                        continue
                parts.append(c)
                j += 1
            tokens.append(Token("str", "".join(parts), i, j + 1))
            i = j + 1
            continue
        if ch == "`":
            j = source.find("`", i + 1)
            if j < 0:
                raise _error(source, "unterminated `name`", i)
            tokens.append(Token("qname", source[i + 1 : j], i, j + 1))
            i = j + 1
            continue
        if _name_start(ch):
            j = i + 1
            while j < n and _name_part(source[j]):
                j += 1
            tokens.append(Token("name", source[i:j], i, j))
            i = j
            continue
        for op in _OPERATORS:
            if source.startswith(op, i):
                tokens.append(Token("op", op, i, i + len(op)))
                i += len(op)
                break
        else:
            raise _error(source, f"unexpected character {ch!r}", i)
    tokens.append(Token("eof", "", n, n))
    return tokens
