"""Variables documents as the gateway receives them: JSON text that must be an object.

Zeebe rejects anything but a JSON object with INVALID_ARGUMENT naming the property; doing the same
here means a client learns which field was wrong instead of seeing an incident later.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from xietong.engine.errors import InvalidArgument

_JSON_KINDS = {
    list: "ARRAY",
    str: "STRING",
    int: "NUMBER",
    float: "NUMBER",
    bool: "BOOLEAN",
    type(None): "NULL",
}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # one decoder, not one per call


def parse_variables(document: str, field: str = "variables") -> dict[str, Any]:
    """An empty document is an empty object, as in Zeebe."""
    if not document or not document.strip():
        return {}
    try:
        value = _DECODER.decode(document)
    except (ValueError, RecursionError) as error:
        raise InvalidArgument(
            f"Property '{field}' is invalid: Expected document to be valid JSON, "
            f"but failed to parse it: {_reason(error)}"
        ) from None
    return require_object(value, field)


def _reason(error: Exception) -> str:
    """Python's own advice (``sys.set_int_max_str_digits``) means nothing to a client."""
    if isinstance(error, RecursionError):
        return "the document is nested too deeply"
    if "integer string conversion" in str(error):
        return f"a number has more than {sys.get_int_max_str_digits()} digits"
    return str(error)


def require_object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), type(value).__name__.upper())
        raise InvalidArgument(
            f"Property '{field}' is invalid: Expected document to be a root level object, but was '{kind}'"
        )
    return value


def dump_variables(variables: dict[str, Any]) -> str:
    return json.dumps(variables, ensure_ascii=False, separators=(",", ":"))
