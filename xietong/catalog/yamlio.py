"""YAML reading that keeps line numbers, and mapping validation errors back to them.

Reviewers edit YAML by hand; an error that says ``config/mechanisms/siyang/items.yaml:42:
lead[0]: unknown department '市监局'`` is fixable in seconds, one that says "validation failed" is not.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError


@dataclass(frozen=True, order=True)
class CatalogError:
    """One problem in the catalog, printed as ``file:line: field: message``."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field or '-'}: {self.message}"


class YamlFileError(Exception):
    """A file that is not well-formed YAML; carries the position ruamel reported."""

    def __init__(self, error: CatalogError) -> None:
        super().__init__(str(error))
        self.error = error


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(path: Path, display: str) -> Any:
    """Parse a YAML file keeping positions; YamlFileError names the file and line on bad syntax."""
    try:
        return _yaml().load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlFileError(CatalogError(display, line, "", f"broken YAML: {problem}")) from exc
    except UnicodeDecodeError as exc:
        raise YamlFileError(CatalogError(display, 1, "", f"not UTF-8: {exc}")) from exc


def line_of(node: Any, path: Sequence[str | int] = ()) -> int:
    """The 1-based line of the value at ``path`` inside ``node`` (the deepest known position)."""
    line = getattr(getattr(node, "lc", None), "line", 0) + 1
    for part in path:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.value(part)[0] + 1 if not isinstance(node[part], CommentedMap | CommentedSeq) \
                else node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def format_loc(loc: Sequence[str | int]) -> str:
    """``('steps', 3, 'next', 0, 'to')`` -> ``steps[3].next[0].to``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def validation_errors(
    exc: ValidationError, node: Any, display: str, prefix: Sequence[str | int] = ()
) -> list[CatalogError]:
    """Every pydantic error as a CatalogError at the line of the offending value."""
    errors = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, int) or not str(p).startswith(("function-", "json-"))]
        full = [*prefix, *loc]
        message = err["msg"].removeprefix("Value error, ")
        errors.append(CatalogError(display, line_of(node, loc), format_loc(full), message))
    return errors


def dump_yaml(data: Any) -> str:
    """Plain data as readable block YAML (Chinese kept as is, long lines not folded)."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()
