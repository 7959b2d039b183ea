"""A case's values as a clerk reads them: labelled fields and lists, never raw JSON.

Process variables are JSON: a joint-enforcement case carries its 联动事项 as a context (``jointItem``:
number, title, lead, collaborators and their group ids), a 汇总 as another (``summary``). The task page
shows each as a short list of labelled fields — the labels the form gives (its field labels and the
``**事项：** {{caseMatter}}`` lines of its header), else the catalog's words for the joint-item list
(序号, 事项名称, 牵头单位, 配合单位) and the workers' outputs — with department group ids read as names,
date-times in China time, 是/否 for booleans, a multi-instance output whose parts are still open as
已反馈 k/n. A group-id field beside its name field (``leadGroup`` beside ``lead``) is not repeated.
Every value is escaped: markup in a case variable shows as the characters it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape

#: Field names inside structured values, as the catalog and the workers name them.
FIELD_LABELS = {
    # 联动事项 (jointItem): the columns of the catalog's joint-enforcement item list
    "number": "序号", "title": "事项名称", "lead": "牵头单位", "collaborators": "配合单位",
    "leadGroup": "牵头单位", "collaboratorGroups": "配合单位",
    # 汇总 (summary): what the summarize worker collected
    "caseId": "案件编号", "expected": "应反馈数", "received": "已反馈数", "missing": "未反馈数",
    "results": "反馈结果", "summarizedAt": "汇总时间",
    # a limit {amount, unit} as the deadline worker reads it
    "amount": "数量", "unit": "单位",
}  # fmt: skip
UNITS = {"workingDays": "工作日", "days": "自然日", "months": "月", "hours": "小时"}
MAX_DEPTH = 4
_FORM_LINE = re.compile(r"\*\*([^*\n]+?)[：:]\s*\*\*\s*\{\{\s*([A-Za-z_]\w*)\s*\}\}")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})(\[[^\]]+\])?$")


def form_labels(schema: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Variable labels a form gives: its text views' ``**label：** {{name}}`` (words for a value shown),
    and its fields' labels (the question this step asks: a weaker label for the value a case already has,
    which an earlier step may have set)."""
    views: dict[str, str] = {}
    fields: dict[str, str] = {}
    stack = list(schema.get("components") or []) if isinstance(schema, dict) else []
    while stack:
        component = stack.pop()
        if not isinstance(component, dict):
            continue
        if component.get("key") and component.get("label"):
            fields.setdefault(str(component["key"]), str(component["label"]))
        if isinstance(component.get("text"), str):
            for label, name in _FORM_LINE.findall(component["text"]):
                views.setdefault(name, label.strip())
        stack.extend(component.get("components") or [])
    return views, fields


def _duplicate_group_field(key: str, fields: Mapping[str, Any]) -> bool:
    """``leadGroup`` beside ``lead``, ``collaboratorGroups`` beside ``collaborators``: ids of the same."""
    if key.endswith("Groups"):
        return f"{key[:-6]}s" in fields
    return key.endswith("Group") and key[:-5] in fields


class CaseValues:
    """Renders values as escaped HTML; ``shown`` reads a string as people do (a group id as its name),
    ``when`` formats a date-time."""

    def __init__(self, shown: Callable[[str], str], when: Callable[[str], str]) -> None:
        self.shown = shown
        self.when = when

    def html(self, value: Any, depth: int = 0) -> Markup:
        if value is None:
            return Markup("—")
        if isinstance(value, bool):
            return Markup("是" if value else "否")
        if isinstance(value, int | float):
            return escape(str(value))
        if isinstance(value, str):
            return escape(self.when(value) if _INSTANT.match(value) else self.shown(value))
        if depth >= MAX_DEPTH:  # deeper than any case of ours: its JSON text, escaped (a last resort)
            return escape(json.dumps(value, ensure_ascii=False, default=str))
        if isinstance(value, list):
            if not value:
                return Markup("—")
            if all(item is None or isinstance(item, str | int | float | bool) for item in value):
                given = [item for item in value if item is not None]
                shown = Markup("、").join(self.html(item, depth + 1) for item in given)
                if len(value) > 1 and len(given) < len(value):  # a multi-instance output, parts still open
                    counted = Markup("已反馈 {}/{}").format(len(given), len(value))
                    return counted + Markup("：") + shown if given else counted
                return shown or Markup("—")
            items = Markup("").join(Markup("<li>{}</li>").format(self.html(i, depth + 1)) for i in value)
            return Markup('<ol class="value-list">{}</ol>').format(items)
        if isinstance(value, dict):
            if set(value) == {"amount", "unit"} and str(value["unit"]) in UNITS:  # a limit: 3 工作日
                return escape(f"{value['amount']} {UNITS[str(value['unit'])]}")
            rows = Markup("").join(
                Markup("<dt>{}</dt><dd>{}</dd>").format(
                    FIELD_LABELS.get(str(key), str(key)), self.html(item, depth + 1)
                )
                for key, item in value.items()
                if not _duplicate_group_field(str(key), value)
            )
            return Markup('<dl class="value-fields">{}</dl>').format(rows)
        return escape(str(value))
