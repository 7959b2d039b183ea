"""Routing a matter against 龙角镇's three lists: handle, assist, or refuse."""

from __future__ import annotations

import pytest

from xietong.catalog.duties import match_matter
from xietong.catalog.loader import load_catalog
from xietong.catalog.model import DutyList

from .conftest import CONFIG


@pytest.fixture(scope="module")
def longjiao() -> DutyList:
    catalog, _ = load_catalog(CONFIG)
    return next(d for d in catalog.duty_lists if d.id == "longjiao")


def test_taken_back_matter_is_refused_with_its_new_owner(longjiao: DutyList) -> None:
    best = match_matter(longjiao, "村民来镇上要求出具无犯罪记录证明")[0]
    assert (best.part, best.number, best.verdict) == ("taken_back", 19, "refuse_taken_back")
    assert best.departments == ("县公安局",)


def test_discontinued_matter_is_refused(longjiao: DutyList) -> None:
    best = match_matter(longjiao, "对戒断三年未复吸人员进行检测")[0]
    assert best.verdict == "refuse_discontinued" and best.departments == ()


def test_assisting_and_own_duties(longjiao: DutyList) -> None:
    best = match_matter(longjiao, "电动自行车违规充电")[0]
    assert (best.part, best.number, best.verdict) == ("coordinating", 36, "town_assists")
    assert "县消防救援局" in best.departments
    own = match_matter(longjiao, "宅基地建房许可申请")[0]
    assert (own.part, own.number, own.verdict) == ("basic", 92, "town_handles")


def test_unrelated_matter_matches_nothing(longjiao: DutyList) -> None:
    assert match_matter(longjiao, "火星探测器发射") == []
