"""XPath-style regular expressions for ``matches``/``replace``/``split``/``extract``, with a time bound.

Patterns come from deployed models (untrusted), so matching runs in the ``regex`` module with a timeout:
a catastrophic-backtracking pattern fails with FeelEvaluationError instead of hanging the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import regex

from .errors import FeelEvaluationError
from .limits import MAX_PATTERN_LENGTH, MAX_STRING_LENGTH, REGEX_TIMEOUT_SECONDS

_FLAGS = {"i": regex.IGNORECASE, "s": regex.DOTALL, "m": regex.MULTILINE, "x": regex.VERBOSE}


@lru_cache(maxsize=256)
def compile_pattern(pattern: str, flags: str = "") -> Any:
    """Compiled pattern, or None when pattern or flags are invalid (FEEL then returns null)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return None
    bits = regex.V0
    literal = False
    for f in flags:
        if f == "q":
            literal = True
        elif f in _FLAGS:
            bits |= _FLAGS[f]
        else:
            return None
    try:
        return regex.compile(regex.escape(pattern) if literal else pattern, bits)
    except (regex.error, ValueError, OverflowError):
        return None


_T = TypeVar("_T")


def _guard(call: Callable[[], _T], pattern: str) -> _T:
    try:
        return call()
    except TimeoutError as exc:
        raise FeelEvaluationError(
            f"regular expression {pattern[:60]!r} took longer than {REGEX_TIMEOUT_SECONDS}s"
            " (catastrophic backtracking?)"
        ) from exc


def search(compiled: Any, text: str) -> Any:
    return _guard(lambda: compiled.search(text, timeout=REGEX_TIMEOUT_SECONDS), compiled.pattern)


def findall(compiled: Any, text: str) -> list[str]:
    def run() -> list[str]:
        return [m.group(0) for m in compiled.finditer(text, timeout=REGEX_TIMEOUT_SECONDS)]

    return _guard(run, compiled.pattern)


def split(compiled: Any, text: str) -> list[str]:
    def run() -> list[str]:
        out, last = [], 0
        for m in compiled.finditer(text, timeout=REGEX_TIMEOUT_SECONDS):
            if m.end() == m.start() and m.start() in (0, len(text)):
                continue
            out.append(text[last : m.start()])
            last = m.end()
        out.append(text[last:])
        return out

    return _guard(run, compiled.pattern)


def _replacement(template: str) -> Callable[[Any], str] | None:
    """Java/XPath replacement text: ``$n`` is a group, a backslash escapes the next character."""
    parts: list[str | int] = []
    buf: list[str] = []
    i = 0
    while i < len(template):
        c = template[i]
        if c == "\\":
            if i + 1 < len(template):  # Java's replaceAll: a backslash makes the next character literal
                buf.append(template[i + 1])
                i += 2
                continue
            return None
        if c == "$":
            j = i + 1
            while j < len(template) and template[j].isdigit():
                j += 1
            if j == i + 1:
                return None
            parts.append("".join(buf))
            buf = []
            parts.append(int(template[i + 1 : j]))
            i = j
            continue
        buf.append(c)
        i += 1
    parts.append("".join(buf))

    def render(m: Any) -> str:
        out = []
        for p in parts:
            if isinstance(p, int):
                out.append((m.group(p) or "") if p <= (m.re.groups or 0) else "")
            else:
                out.append(p)
        return "".join(out)

    return render


def replace(compiled: Any, text: str, template: str) -> str | None:
    render = _replacement(template)
    if render is None:
        return None
    if (len(text) + 1) * max(1, len(template)) > MAX_STRING_LENGTH:
        raise FeelEvaluationError(f"replace() may build a string over {MAX_STRING_LENGTH} characters")
    replaced: str = _guard(
        lambda: compiled.sub(render, text, timeout=REGEX_TIMEOUT_SECONDS), compiled.pattern
    )
    return replaced
