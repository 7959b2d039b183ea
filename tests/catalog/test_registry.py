"""Department registries: exact spellings only, bracket width and whitespace aside."""

from __future__ import annotations

import pytest

from xietong.catalog.loader import load_catalog
from xietong.catalog.model import Department, DepartmentKind, Role
from xietong.catalog.registry import DepartmentRegistry, DuplicateName, resolve_role

from .conftest import CONFIG


def _dept(dept_id: str, name: str, *aliases: str) -> Department:
    return Department(id=dept_id, name=name, kind=DepartmentKind.county_department, level="county",
                      jurisdiction="x", aliases=list(aliases))


def test_no_prefix_is_ever_stripped() -> None:
    registry = DepartmentRegistry("x", [_dept("market", "市场监督管理局", "市场监管局")])
    assert registry.resolve("市场监管局") is not None
    assert registry.resolve("场监管局") is None
    assert registry.resolve("县市场监管局") is None


def test_whitespace_and_bracket_width_do_not_matter() -> None:
    registry = DepartmentRegistry("x", [_dept("team", "乡镇（街道）综合行政执法队")])
    assert registry.resolve("乡镇(街道)综合行政执法队") is not None
    assert registry.resolve("乡镇（街道）综合 行政执法队") is not None


def test_one_spelling_one_body() -> None:
    with pytest.raises(DuplicateName, match="公安局"):
        DepartmentRegistry("x", [_dept("a", "公安局"), _dept("b", "派出所", "公安局")])


def test_roles_are_recognised_in_all_spellings() -> None:
    assert resolve_role("属地乡镇（街道）") is Role.territorial_town
    assert resolve_role("镇（街道、区）") is Role.territorial_town
    assert resolve_role("各行业主管部门") is Role.industry_authorities
    assert resolve_role("牵头单位") is Role.lead_department
    assert resolve_role("市场监管局") is None


def test_same_short_name_means_different_bodies_per_jurisdiction() -> None:
    catalog, _ = load_catalog(CONFIG)
    siyang = catalog.department("siyang", "公安局")
    wuyi = catalog.department("wuyi", "公安局")
    assert siyang is not None and wuyi is not None
    assert siyang.name == "泗阳县公安局" and wuyi.name == "武义县公安局"


def test_renamed_bodies_are_aliases_of_one_department() -> None:
    catalog, _ = load_catalog(CONFIG)
    ids = {catalog.department("yunyang", n).id for n in ("县住建局", "县城乡建委", "县住房城乡建委",  # type: ignore[union-attr]
                                                         "县住房和城乡建委")}
    assert ids == {"housing_urban_rural"}
    assert catalog.department("wuyi", "城管局").id == "comprehensive_enforcement"  # type: ignore[union-attr]
