"""String built-ins (DMN 1.5 §10.3.4.3 plus Camunda's extensions); positions count code points."""

from __future__ import annotations

import base64
import uuid as uuidlib
from decimal import Decimal
from typing import Any

from .. import regexes
from ..values import to_string
from .registry import OMIT, builtin

_List = list  # the FEEL parameters are named `list`, as the spec names them


def _int(n: Any) -> int | None:
    if type(n) is not Decimal or not n.is_finite():
        return None
    return int(n)


@builtin("substring", "string, start position, length?")
def substring(string: Any, start: Any, length: Any = OMIT) -> Any:
    s = _int(start)
    if not isinstance(string, str) or s is None or s == 0:
        return None
    chars = string
    begin = s - 1 if s > 0 else len(chars) + s
    begin = max(begin, 0)
    if length is OMIT:
        return chars[begin:]
    n = _int(length)
    if n is None or n < 0:
        return None
    return chars[begin : begin + n]


@builtin("string length", "string")
def string_length(string: Any) -> Any:
    return Decimal(len(string)) if isinstance(string, str) else None


@builtin("upper case", "string")
def upper_case(string: Any) -> Any:
    return string.upper() if isinstance(string, str) else None


@builtin("lower case", "string")
def lower_case(string: Any) -> Any:
    return string.lower() if isinstance(string, str) else None


@builtin("substring before", "string, match")
def substring_before(string: Any, match: Any) -> Any:
    if not isinstance(string, str) or not isinstance(match, str):
        return None
    i = string.find(match)
    return "" if i < 0 else string[:i]


@builtin("substring after", "string, match")
def substring_after(string: Any, match: Any) -> Any:
    if not isinstance(string, str) or not isinstance(match, str):
        return None
    i = string.find(match)
    return "" if i < 0 else string[i + len(match) :]


@builtin("contains", "string, match")
def contains(string: Any, match: Any) -> Any:
    if not isinstance(string, str) or not isinstance(match, str):
        return None
    return match in string


@builtin("starts with", "string, match")
def starts_with(string: Any, match: Any) -> Any:
    if not isinstance(string, str) or not isinstance(match, str):
        return None
    return string.startswith(match)


@builtin("ends with", "string, match")
def ends_with(string: Any, match: Any) -> Any:
    if not isinstance(string, str) or not isinstance(match, str):
        return None
    return string.endswith(match)


def _pattern(pattern: Any, flags: Any) -> Any:
    if not isinstance(pattern, str):
        return None
    if flags is OMIT or flags is None:
        flags = ""
    if not isinstance(flags, str):
        return None
    return regexes.compile_pattern(pattern, flags)


@builtin("matches", "input, pattern, flags?")
def matches(input: Any, pattern: Any, flags: Any = OMIT) -> Any:
    compiled = _pattern(pattern, flags)
    if compiled is None or not isinstance(input, str):
        return None
    return regexes.search(compiled, input) is not None


@builtin("replace", "input, pattern, replacement, flags?")
def replace(input: Any, pattern: Any, replacement: Any, flags: Any = OMIT) -> Any:
    compiled = _pattern(pattern, flags)
    if compiled is None or not isinstance(input, str) or not isinstance(replacement, str):
        return None
    return regexes.replace(compiled, input, replacement)


@builtin("split", "string, delimiter")
def split(string: Any, delimiter: Any) -> Any:
    compiled = _pattern(delimiter, OMIT)
    if compiled is None or not isinstance(string, str):
        return None
    return regexes.split(compiled, string)


@builtin("extract", "string, pattern")
def extract(string: Any, pattern: Any) -> Any:
    compiled = _pattern(pattern, OMIT)
    if compiled is None or not isinstance(string, str):
        return None
    return regexes.findall(compiled, string)


@builtin("string join", "list, delimiter?, prefix?, suffix?")
def string_join(list: Any, delimiter: Any = OMIT, prefix: Any = OMIT, suffix: Any = OMIT) -> Any:
    if isinstance(list, str):
        list = [list]
    if not isinstance(list, _List):
        return None
    d = "" if delimiter is OMIT or delimiter is None else delimiter
    if not isinstance(d, str):
        return None
    if any(v is not None and not isinstance(v, str) for v in list):
        return None
    if (prefix is OMIT) != (suffix is OMIT):
        return None
    p = "" if prefix is OMIT or prefix is None else prefix
    s = "" if suffix is OMIT or suffix is None else suffix
    if not isinstance(p, str) or not isinstance(s, str):
        return None
    return p + d.join(v for v in list if v is not None) + s


@builtin("trim", "string")
def trim(string: Any) -> Any:
    return string.strip() if isinstance(string, str) else None


@builtin("is blank", "string")
def is_blank(string: Any) -> Any:
    return string.strip() == "" if isinstance(string, str) else None


@builtin("uuid")
def uuid() -> str:
    return str(uuidlib.uuid4())


@builtin("to base64", "value")
def to_base64(value: Any) -> Any:
    return base64.b64encode(value.encode()).decode() if isinstance(value, str) else None


@builtin("from base64", "value")
def from_base64(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None


@builtin("string", "from")
def string(from_: Any) -> Any:
    return None if from_ is None else to_string(from_)
