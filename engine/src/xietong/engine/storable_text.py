"""Only text that storage can hold enters the engine: no lone UTF-16 surrogates, anywhere.

JSON may spell a lone surrogate (``"\\ud800"``); Python decodes it into a ``str`` that UTF-8 cannot
encode, so it would pass every check and then fail the storage commit, stopping the engine for
every client. Every command is looked at once, on the caller's thread, before it is queued
(:meth:`xietong.engine.engine.Engine.submit`): the gRPC gateway, REST API and anything added
later share this one check, and the answer is INVALID_ARGUMENT / 400 naming the field.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from typing import Any

from xietong.engine.errors import InvalidArgument

_SURROGATE = re.compile("[\ud800-\udfff]")


def _describe(path: str, text: str) -> str:
    found = _SURROGATE.search(text)
    code = f"U+{ord(found.group()):04X}" if found else "a surrogate"
    return (
        f"Expected valid Unicode text in '{path}', but it contains a lone UTF-16 surrogate ({code}), "
        "which cannot be stored"
    )


@functools.cache
def _text_fields(cls: type) -> tuple[tuple[str, str], ...]:
    """A command class's fields that can hold text (not ints, floats or booleans), with the name the
    APIs give them (correlation_key is correlationKey); looked up once per class, not per command."""
    return tuple(
        (f.name, _camel(f.name)) for f in dataclasses.fields(cls) if f.type not in ("int", "float", "bool")
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_text(value: Any, path: str) -> str | None:
    """The message naming the first string or key under ``value`` that UTF-8 cannot hold, else None."""
    if isinstance(value, str):
        return None if _encodable(value) else _describe(path, value)
    if isinstance(value, dict | list | tuple):
        if not value:
            return None
        try:  # fast path, in C: nearly every document is clean
            if _encodable(json.dumps(value, ensure_ascii=False, default=str)):
                return None
        except (TypeError, ValueError, RecursionError):
            pass
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and _SURROGATE.search(key):
                return _describe(f"{path}.{ascii(key)[1:-1]}", key)
            where = f"{path}.{ascii(key)[1:-1]}" if isinstance(value, dict) else f"{path}[{key}]"
            found = unstorable_text(item, where)
            if found is not None:
                return found
        return None
    cls: type = type(value)
    if hasattr(cls, "__dataclass_fields__") and not isinstance(value, type):
        for attr, name in _text_fields(cls):
            item = getattr(value, attr)
            if item is None or (isinstance(item, str) and item.isascii()) or not item:
                continue  # nearly every field: nothing to look at further, no path to build
            if isinstance(item, tuple) and all(isinstance(x, str) and x.isascii() for x in item):
                continue  # tenant ids, fetched variable names
            found = unstorable_text(item, f"{path}.{name}" if path else name)
            if found is not None:
                return found
    return None


def check_command_text(command: Any) -> None:
    """Raises INVALID_ARGUMENT if any text of ``command`` cannot be stored."""
    if not hasattr(type(command), "__dataclass_fields__"):
        return
    problem = unstorable_text(command, "")
    if problem is not None:
        raise InvalidArgument(problem)
