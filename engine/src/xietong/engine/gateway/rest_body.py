"""Request bodies of the REST API, read the way Camunda 8.8 reads them: bounded, strict, typed.

Camunda's REST API fails on unknown properties and does not coerce types (camunda/camunda#37895,
backported to 8.8), so a typo'd ``variabels`` or ``"awaitCompletion": "no"`` is a 400 naming the
property instead of an instance started without its variables. Bodies are capped at the gateway's
message size before they are parsed, as Zeebe's maxMessageSize caps every command.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request


class BodyProblem(Exception):
    """A body that cannot be taken; ``status`` is 400, or 413 for one over the size limit."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


Check = Callable[[Any], bool]


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _key(value: Any) -> bool:
    """API v2 sends keys as strings of digits, older clients numbers; the handler checks the digits."""
    return _integer(value) or isinstance(value, str)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


STRING: tuple[str, Check] = ("a string", lambda value: isinstance(value, str))
INTEGER: tuple[str, Check] = ("an integer", _integer)
BOOLEAN: tuple[str, Check] = ("a boolean", lambda value: isinstance(value, bool))
OBJECT: tuple[str, Check] = ("an object", lambda value: isinstance(value, dict))
KEY: tuple[str, Check] = ("a key (a string of digits)", _key)
STRINGS: tuple[str, Check] = ("a list of strings", _strings)
OBJECTS: tuple[str, Check] = ("a list of objects", _objects)
# checked by the handler, which answers with Zeebe's wording ("Expected document to be a root level object")
VARIABLES: tuple[str, Check] = ("an object", lambda value: True)
SEARCH: Mapping[str, tuple[str, Check]] = {"filter": OBJECT, "page": OBJECT, "sort": OBJECTS}


async def read_body(
    request: Request, properties: Mapping[str, tuple[str, Check]], limit: int
) -> dict[str, Any]:
    """The body as an object whose properties are all known and of their type (null = absent)."""
    raw = await read_bytes(request, limit)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise BodyProblem(400, f"Request body is not valid JSON: {reason}") from None
    if not isinstance(body, dict):
        raise BodyProblem(400, "Request body must be a JSON object")
    unknown = sorted(set(body) - set(properties))
    if unknown:
        raise BodyProblem(
            400,
            f"Request property '{unknown[0]}' is not known; this request takes "
            f"{', '.join(sorted(properties)) or 'no properties'}",
        )
    for name, (kind, check) in properties.items():
        value = body.get(name)
        if value is not None and not check(value):
            raise BodyProblem(400, f"Request property '{name}' must be {kind}, got {_shown(value)}")
    return {name: value for name, value in body.items() if value is not None}


async def read_bytes(request: Request, limit: int) -> bytes:
    """The raw body, refused (413) from its Content-Length or once it grows past ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise _too_large(len(raw), limit, at_least=True)
    return bytes(raw)


def _too_large(size: int, limit: int, at_least: bool = False) -> BodyProblem:
    return BodyProblem(
        413,
        f"Request body of {'more than ' if at_least else ''}{size if not at_least else limit:,} bytes "
        f"exceeds the maximum message size of {limit:,} bytes",
    )


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
