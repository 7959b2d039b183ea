"""YAML reading that keeps line numbers, and mapping validation errors back to them.

Reading uses libyaml (PyYAML's C parser): the catalog is megabytes of YAML and pure-Python
parsers take seconds. Writing uses ruamel.yaml for its readable block style.

Reviewers edit YAML by hand; an error that says ``config/mechanisms/siyang/items.yaml:42:
lead[0]: unknown department '市监局'`` is fixable in seconds, one that says "validation failed" is not.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from ruamel.yaml import YAML


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
    """A file that is not well-formed YAML; carries the position the parser reported."""

    def __init__(self, error: CatalogError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class YamlDoc:
    """A parsed YAML file: plain data plus the line of every value, by path."""

    data: Any
    lines: dict[tuple[str | int, ...], int]


def _walk(node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int],
          loader: yaml.CSafeLoader, display: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # `? [a, b]`: unhashable, and no field name
                raise YamlFileError(CatalogError(display, key_node.start_mark.line + 1, format_loc(path),
                                                 "a key must be plain text, not a list or mapping"))
            key = loader.construct_object(key_node)
            if key in result:
                line = key_node.start_mark.line + 1
                raise YamlFileError(CatalogError(display, line, format_loc([*path, key]),
                                                 f"broken YAML: duplicate key {key!r}"))
            result[key] = _walk(value_node, (*path, key), lines, loader, display)
            if isinstance(value_node, yaml.MappingNode | yaml.SequenceNode):
                lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), lines, loader, display) for i, item in enumerate(node.value)]
    value = loader.construct_object(node)
    if isinstance(value, bytes):  # !!binary: nothing in the catalog is binary, and it is not plain data
        raise YamlFileError(CatalogError(display, node.start_mark.line + 1, format_loc(path),
                                         "binary (!!binary) values are not supported: write text"))
    return value


#: Deeper than any catalog record needs; libyaml's composer recurses on the C stack and a file of
#: ``[[[[…`` crashes the process (SIGSEGV) long before Python's recursion limit could object.
MAX_NESTING = 64


def _line_of(event: yaml.Event) -> int:
    """The 1-based line an event starts on (0 if the parser gave no position)."""
    return event.start_mark.line + 1 if event.start_mark is not None else 0


def _check_shape(text: str, display: str) -> None:
    """Refuse nesting bombs and aliases before composing: both would crash or explode the walk.

    The event scan is iterative (libyaml keeps its own heap stack), so it is safe on any input.
    Aliases are refused outright: the catalog never needs them, and ``&a [*a]`` is a cycle.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise YamlFileError(CatalogError(display, _line_of(event), "",
                                                 f"nested deeper than {MAX_NESTING} levels"))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            raise YamlFileError(CatalogError(
                display, _line_of(event), "",
                f"alias *{event.anchor} is not supported in the catalog: write the value out"))


def parse_yaml(text: str, display: str) -> YamlDoc:
    """Parse YAML text with libyaml, keeping each value's line; YamlFileError on bad syntax."""
    try:
        _check_shape(text, display)
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
        if node is None:
            return YamlDoc(None, {})
        lines: dict[tuple[str | int, ...], int] = {}
        return YamlDoc(_walk(node, (), lines, yaml.CSafeLoader(""), display), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlFileError(CatalogError(display, line, "", f"broken YAML: {problem}")) from exc
    except yaml.reader.ReaderError as exc:  # a control character or a stray byte: one line, with its line
        line = text.encode("utf-8")[: max(exc.position, 0)].count(b"\n") + 1  # libyaml counts bytes
        char = exc.character
        code = ord(char) if isinstance(char, bytes | str) and len(char) == 1 else char
        raise YamlFileError(CatalogError(
            display, line, "", f"broken YAML: character #x{code:04x} is not allowed: {exc.reason}"
        )) from exc
    except yaml.YAMLError as exc:
        raise YamlFileError(CatalogError(display, 1, "", f"broken YAML: {exc}")) from exc


def read_yaml(path: Path, display: str) -> YamlDoc:
    """Parse a YAML file keeping positions; YamlFileError names the file and line on bad input."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlFileError(CatalogError(display, 1, "", f"not UTF-8: {exc}")) from exc
    except OSError as exc:  # vanished or unreadable between listing and reading
        raise YamlFileError(CatalogError(display, 1, "", f"cannot read: {exc.strerror or exc}")) from exc
    return parse_yaml(text, display)


def line_of(doc: YamlDoc, path: Sequence[str | int] = ()) -> int:
    """The 1-based line of the value at ``path`` (or of its deepest known ancestor)."""
    parts = tuple(path)
    while parts and parts not in doc.lines:
        parts = parts[:-1]
    return doc.lines.get(parts, 1)


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
    exc: ValidationError, doc: YamlDoc, display: str, prefix: Sequence[str | int] = ()
) -> list[CatalogError]:
    """Every pydantic error as a CatalogError at the line of the offending value."""
    errors = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, int) or not str(p).startswith(("function-", "json-"))]
        full = [*prefix, *loc]
        message = err["msg"].removeprefix("Value error, ")
        target = _at(doc.data, full)
        parts = message.split("; ") if isinstance(target, dict) and "steps" in target else [message]
        for part in parts:
            where = _refine_to_step(target, full, part)
            errors.append(CatalogError(display, line_of(doc, where), format_loc(where), part))
    return errors


_STEP_REF = re.compile(r"step '([^']+)'")


def _at(data: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _refine_to_step(target: Any, full: list[str | int], message: str) -> list[str | int]:
    """A procedure-level graph error ("step 'x' goes to …") pointed at that step's own line."""
    match = _STEP_REF.search(message)
    if match is None or not isinstance(target, dict) or not isinstance(target.get("steps"), list):
        return full
    for i, step in enumerate(target["steps"]):
        if isinstance(step, dict) and step.get("id") == match.group(1):
            detail: list[str | int] = []
            if "goes to unknown step" in message:
                detail = ["next"]
            elif "unknown actor" in message:
                detail = ["escalation", "chain"] if "escalates" in message else ["actor"]
            return [*full, "steps", i, *detail]
    return full


def dump_yaml(data: Any) -> str:
    """Plain data as readable block YAML (Chinese kept as is, long lines not folded)."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()
