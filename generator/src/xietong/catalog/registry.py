"""Department registries and role placeholders: turning a name as written into a body.

Resolution is exact (after removing whitespace and unifying bracket width) against each
department's id, name and aliases within ONE jurisdiction: the same short name (公安局) means a
different body in 泗阳 and in 永康, and no prefix is ever stripped (市场监管局 starts with 市).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from xietong.catalog.model import Department, Role

_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）"})


def name_key(name: str) -> str:
    """The comparison key of a name: no whitespace, full-width brackets; nothing else changes."""
    return re.sub(r"\s+", "", name).translate(_HALF_TO_FULL)


#: Every placeholder spelling found in the documents, mapped to its role.
ROLE_ALIASES: dict[str, Role] = {
    name_key(text): role
    for role, texts in {
        Role.lead_department: ["牵头部门", "牵头单位"],
        Role.collaborating_units: ["配合单位", "配合部门", "协同部门", "协同单位"],
        Role.territorial_town: [
            "属地乡镇（街道）", "属地乡镇", "属地街道", "属地镇街", "属地镇（街道）", "镇（街道、区）",
            "镇（街道）", "乡镇（街道）", "各乡镇（街道）", "镇街", "属地", "所在地乡镇（街道）",
        ],
        Role.industry_authorities: [
            "各行业主管部门", "行业主管部门", "相关行业主管部门", "其他行业主管部门", "业务主管部门",
            "相关业务主管部门", "各业务主管部门",
        ],
        Role.relevant_departments: [
            "相关部门", "有关部门", "相关执法机关", "相关单位", "有关单位", "其他相关单位", "县级其他部门",
            "相关职能部门", "县级相关职能部门", "县级职能部门",
        ],
        Role.applicant: ["申请单位"],
        Role.initiator: ["发现方", "移送方", "移送单位"],
        Role.competent_party: ["有管辖权的一方", "有管辖权的部门", "有权处理一方"],
        Role.complainant: ["举报人", "投诉人", "举报投诉人"],
    }.items()
    for text in texts
}


def resolve_role(text: str) -> Role | None:
    """The role a placeholder text stands for, or None if it is not a known placeholder."""
    return ROLE_ALIASES.get(name_key(text))


class DuplicateName(ValueError):
    """Two departments of one jurisdiction claim the same spelling."""


class DepartmentRegistry:
    """One jurisdiction's departments, looked up by id, name or alias."""

    def __init__(self, jurisdiction: str, departments: Iterable[Department]) -> None:
        self.jurisdiction = jurisdiction
        self.departments: dict[str, Department] = {}
        self._by_key: dict[str, Department] = {}
        for dept in departments:
            if dept.id in self.departments:
                raise DuplicateName(f"department id {dept.id!r} appears twice in {jurisdiction}")
            self.departments[dept.id] = dept
            for spelling in (dept.id, dept.name, *dept.aliases):
                key = name_key(spelling)
                other = self._by_key.get(key)
                if other is not None and other.id != dept.id:
                    raise DuplicateName(
                        f"{spelling!r} names both {other.id!r} and {dept.id!r} in {jurisdiction}"
                    )
                self._by_key[key] = dept

    def resolve(self, name: str) -> Department | None:
        """The department this exact spelling names, or None."""
        return self._by_key.get(name_key(name))

    def __contains__(self, name: str) -> bool:
        return self.resolve(name) is not None

    def __len__(self) -> int:
        return len(self.departments)
