"""The statutory holidays of 《全国年节及纪念日放假办法》, and the provisional calendar they give.

The State Council's yearly notice (国务院办公厅关于<year>年部分节假日安排的通知) decides the real
days off: it joins the statutory days with weekends and moves weekend days to make long breaks
(调休). Which weekend days it moves cannot be known before it is published, but the statute can:

- 第二条 (as amended by 国务院令第795号, in force from 1 January 2025): 元旦 1 day (1 January);
  春节 4 days (农历除夕 and 正月初一 to 初三); 清明节 1 day (the 清明 solar term); 劳动节 2 days
  (1 and 2 May); 端午节 1 day (农历五月初五); 中秋节 1 day (农历八月十五); 国庆节 3 days (1 to 3
  October). Before 2025 (the 2013 text): 春节 3 days (正月初一 to 初三) and 劳动节 1 day (1 May).
- 第六条: a holiday for all citizens that falls on a Saturday or Sunday is made up on a working day
  (补假). The notices put it on the first working day after the holiday, and so does this module.

A **provisional** year is exactly that: statutory days off, their 补假, weekends off, and no 调休
workdays. It is what the notice will contain at the least; due dates computed on it are marked
provisional until the year's notice is entered (``xietong calendar add-year``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lunardate import LunarDate

# Statutory holiday names as the notices write them (the paragraph headings).
NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"
HOLIDAY_NAMES = (NEW_YEAR, SPRING_FESTIVAL, QINGMING, LABOUR_DAY, DRAGON_BOAT, MID_AUTUMN, NATIONAL_DAY)

AMENDED_2024_FROM = 2025  # 国务院令第795号 applies from the 2025 calendar on
# lunardate converts lunar years 1900–2099; the solar-term formula below is the 21st century's.
FIRST_STATUTE_YEAR = 2008  # 清明、端午、中秋 became holidays with the 2007 amendment, in force 2008
LAST_COMPUTABLE_YEAR = 2099


class StatuteYearOutOfRange(ValueError):
    """The statutory days of a year outside the range this module can compute."""


def qingming(year: int) -> dt.date:
    """The day of the 清明 solar term: 寿星通用公式 [Y·0.2422 + C] − [Y/4] with C = 4.81 for
    2000–2099. Checked against chinese-calendar's 清明 for 2008–2026 in the tests."""
    y = year % 100
    return dt.date(year, 4, int(y * 0.2422 + 4.81) - y // 4)


def statutory_days(year: int) -> dict[str, tuple[dt.date, ...]]:
    """The statutory days off of ``year`` by holiday name, per the statute in force that year."""
    if not FIRST_STATUTE_YEAR <= year <= LAST_COMPUTABLE_YEAR:
        raise StatuteYearOutOfRange(
            f"the statutory holidays of {year} are computed only for "
            f"{FIRST_STATUTE_YEAR}–{LAST_COMPUTABLE_YEAR}"
        )
    amended = year >= AMENDED_2024_FROM
    spring = LunarDate(year, 1, 1).to_solar_date()
    first_spring = spring - dt.timedelta(days=1) if amended else spring
    spring_days = 4 if amended else 3
    return {
        NEW_YEAR: (dt.date(year, 1, 1),),
        SPRING_FESTIVAL: tuple(first_spring + dt.timedelta(days=n) for n in range(spring_days)),
        QINGMING: (qingming(year),),
        LABOUR_DAY: tuple(dt.date(year, 5, d) for d in ((1, 2) if amended else (1,))),
        DRAGON_BOAT: (LunarDate(year, 5, 5).to_solar_date(),),
        MID_AUTUMN: (LunarDate(year, 8, 15).to_solar_date(),),
        NATIONAL_DAY: tuple(dt.date(year, 10, d) for d in (1, 2, 3)),
    }


@dataclass(frozen=True)
class ProvisionalDay:
    day: dt.date
    holiday: str
    made_up: bool  # 补假 for a statutory day on a weekend


def provisional_days_off(year: int) -> list[ProvisionalDay]:
    """Statutory days off of ``year`` and their 补假 (第六条), without any 调休.

    补假 goes to the first weekday after the holiday that is not already off, so holidays whose days
    touch (中秋 on 30 September, say) push their 补假 past the whole break. A day that is statutory
    for two holidays (中秋 on 1 October, as in 2020) is owed once more, like one on a weekend.
    """
    days: dict[dt.date, ProvisionalDay] = {}
    owed: dict[str, int] = {}
    for name, dates in statutory_days(year).items():
        owed[name] = sum(1 for day in dates if day.weekday() >= 5)
        for day in dates:
            if day in days:  # two holidays on one day (中秋 on 1 October): one is made up
                owed[name] += 1
            days.setdefault(day, ProvisionalDay(day, name, False))
    for name, dates in statutory_days(year).items():
        on_weekend = owed[name]
        candidate = max(dates)
        while on_weekend:
            candidate += dt.timedelta(days=1)
            if candidate in days or candidate.weekday() >= 5:
                continue
            days[candidate] = ProvisionalDay(candidate, name, True)
            on_weekend -= 1
    return sorted(days.values(), key=lambda d: d.day)
