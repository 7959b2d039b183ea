"""What every REST v2 module shares: problem documents, keys, variables and rows as API v2 shows them.

Kept apart from ``rest`` (the app and its core handlers) so that the modules adding routes to the app
(``rest_operate``, …) depend on these and not on the app that includes them.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from datetime import date, datetime
from typing import Any

from starlette.responses import JSONResponse

from xietong.engine import errors
from xietong.engine.gateway.variables import require_object
from xietong.engine.identity.visibility import visible_rows


class Problem(Exception):
    """An RFC 9457 problem document, the error format of Camunda's REST API."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def _printable(text: str) -> str:
    """A message may quote what the client sent, lone surrogates included: escape what UTF-8 cannot hold."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def problem_response(problem: Problem, path: str) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": problem.title,
            "status": problem.status,
            "detail": _printable(problem.detail),
            "instance": _printable(path),
        },
        status_code=problem.status,
        media_type="application/problem+json",
    )


def invalid(detail: str) -> Problem:
    return Problem(400, "INVALID_ARGUMENT", detail)


def key_of(value: Any, field: str) -> int:
    """API v2 sends keys as strings of digits; older clients send numbers. Only ASCII digits within
    int64 are keys (``str.isdigit`` also accepts '①' and '²', which ``int`` then refuses)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | str)
        or not re.fullmatch(r"[0-9]{1,19}", str(value))
        or int(value) > 2**63 - 1
    ):
        shown = ascii(value)[1:-1] if isinstance(value, str) else value
        raise invalid(f"The provided {field} '{shown}' is not a valid key. Expected a numeric value.")
    return int(value)


def variables_of(body: dict[str, Any], field: str = "variables") -> dict[str, Any]:
    value = body.get(field)
    if value is None:
        return {}
    try:
        return require_object(value, field)
    except errors.InvalidArgument as error:
        raise invalid(str(error)) from None


_CAMEL = re.compile(r"_([a-z])")


def camel(name: str) -> str:
    return _CAMEL.sub(lambda match: match.group(1).upper(), name)


def to_json(value: Any, name: str = "") -> Any:
    """A query view as API v2 shows it: camelCase names, keys as strings, ISO 8601 dates."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {camel(f.name): getattr(value, f.name) for f in dataclasses.fields(value)}
        # API v2 calls the BPMN process id "processDefinitionId"
        if "bpmnProcessId" in fields and "processDefinitionId" not in fields:
            fields["processDefinitionId"] = fields.pop("bpmnProcessId")
        return {name: to_json(item, name) for name, item in fields.items()}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and name.endswith("Key"):
        return str(value)
    return value


def filters_of(body: dict[str, Any], supported: tuple[str, ...]) -> dict[str, Any]:
    """The search filter; a field we cannot apply is refused rather than silently ignored."""
    filters = body.get("filter") or {}
    if not isinstance(filters, dict):
        raise invalid("filter must be a JSON object")
    unsupported = sorted(set(filters) - set(supported))
    if unsupported:
        raise invalid(
            f"filter: {', '.join(unsupported)} not supported here; supported: {', '.join(supported)}"
        )
    return filters


def view_fields(view_type: type) -> tuple[str, ...]:
    """The fields a search can filter on: those of the view, named as API v2 names them."""
    names = [camel(f.name) for f in dataclasses.fields(view_type)]
    return tuple("processDefinitionId" if name == "bpmnProcessId" else name for name in names)


def matching(
    rows: list[dict[str, Any]], filters: dict[str, Any], applied: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Equality filters the engine's query did not apply, on the rows as API v2 shows them."""
    wanted = {field: filter_value(filters, field) for field in filters if field not in applied}
    wanted = {field: value for field, value in wanted.items() if value is not None}
    if not wanted:
        return rows
    return [row for row in rows if all(str(row.get(f)) == str(v) for f, v in wanted.items())]


def filter_value(filters: dict[str, Any], field: str) -> Any:
    """A plain value, or the advanced form ``{"$eq": value}``; other operators are not supported."""
    value = filters.get(field)
    if isinstance(value, dict):
        if set(value) != {"$eq"}:
            raise invalid(f'filter.{field}: only a plain value or {{"$eq": value}} is supported, got {value}')
        value = value["$eq"]
    return value


def page_of(
    items: list[Any],
    body: dict[str, Any],
    filters: dict[str, Any] | None = None,
    applied: tuple[str, ...] = (),
) -> dict[str, Any]:
    page = body.get("page") or {}
    start = page.get("from", 0)
    limit = page.get("limit", 100)
    if not isinstance(start, int) or not isinstance(limit, int) or start < 0 or limit < 0:
        raise invalid("page.from and page.limit must be non-negative integers")
    # the caller's visibility first (a clerk's own tasks and cases), so that paging counts only what they see
    rows = matching(visible_rows([to_json(item) for item in items]), filters or {}, applied)
    sort = body.get("sort") or []
    if not isinstance(sort, list) or not all(
        isinstance(k, dict) and isinstance(k.get("field"), str) for k in sort
    ):
        raise invalid('sort must be a list of {"field": name, "order": "ASC"|"DESC"}')
    for key in reversed(sort):  # stable sorts, last key first; missing values last, as in Camunda
        field, descending = key["field"], str(key.get("order", "ASC")).upper() == "DESC"
        present = [row for row in rows if row.get(field) is not None]
        absent = [row for row in rows if row.get(field) is None]
        try:
            rows = sorted(present, key=lambda row: row[field], reverse=descending) + absent
        except TypeError:
            raise invalid(f"sort: the values of {field!r} cannot be ordered") from None
    return {"items": rows[start : start + limit], "page": {"totalItems": len(rows)}}
