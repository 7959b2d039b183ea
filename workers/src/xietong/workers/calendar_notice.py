"""Reads the State Council's yearly holiday notice (国务院办公厅关于<year>年部分节假日安排的通知).

The notice has one numbered paragraph per holiday, in a fixed style since 2014:

    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
    一、元旦：1月1日放假，1月2日（星期一）补休。

"A至B放假" gives the days off, "…补休" adds days off, "…上班" lists the 调休 working days, "共N天"
states the total. Everything else in a paragraph (与周末连休, 不调休, 鼓励…休息) changes nothing.
The text is then checked against the statute (:mod:`xietong.workers.calendar_statute`), so a
misread or mistyped notice is refused with the line it came from instead of moving every deadline of a year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from xietong.workers.calendar_statute import HOLIDAY_NAMES, statutory_days

MAX_BREAK_DAYS = 15
_PARAGRAPH = re.compile(r"^\s*(?P<number>[一二三四五六七八九十]+)、(?P<names>[^：:]{1,30})[：:](?P<body>.+)$")
_TITLE = re.compile(r"国务院办公厅关于(?P<year>\d{4})年部分节假日安排的通知")
_NUMBER = re.compile(r"国办发明电\s*[〔\[［(（]\s*(?P<year>\d{4})\s*[〕\]］)）]\s*(?P<n>\d+)\s*号")
_SIGNED = re.compile(r"^\s*(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日\s*$")
_DATE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日(?:[（(](?P<note>[^）)]*)[）)])?"
)
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NOTE = re.compile(r"(?:星期|周)(?P<w>[一二三四五六日天])")
_TOTAL = re.compile(r"共\s*(?P<n>\d+)\s*天")


class NoticeError(ValueError):
    """A notice that cannot be read, or that contradicts the statute; starts with ``file:line``."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}" if line else f"{source}: {message}")
        self.line = line


@dataclass(frozen=True)
class NoticeBreak:
    """One numbered paragraph: a holiday (or two joined, 中秋节、国庆节) and its days."""

    names: tuple[str, ...]
    line: int
    days_off: tuple[dt.date, ...]
    adjusted_workdays: tuple[dt.date, ...]
    declared_total: int | None

    @property
    def name(self) -> str:
        return "、".join(self.names)


@dataclass(frozen=True)
class Notice:
    year: int
    title: str
    number: str
    published: dt.date | None
    breaks: tuple[NoticeBreak, ...] = field(default_factory=tuple)

    def days_off(self) -> set[dt.date]:
        return {day for item in self.breaks for day in item.days_off}

    def adjusted_workdays(self) -> set[dt.date]:
        return {day for item in self.breaks for day in item.adjusted_workdays}


class _DateReader:
    """Dates in the notice's shorthand: a missing year or month is the one written before it."""

    def __init__(self, year: int, source: str, line: int) -> None:
        self.year: int = year
        self.month: int | None = None
        self.source, self.line = source, line

    def read(self, text: str) -> list[dt.date]:
        found: list[dt.date] = []
        for match in _DATE.finditer(text):
            if match["y"]:
                self.year = int(match["y"])
            if match["m"]:
                self.month = int(match["m"])
            if self.month is None:
                raise NoticeError(self.source, self.line, f"{match[0]!r} has no month")
            try:
                day = dt.date(self.year, self.month, int(match["d"]))
            except ValueError as error:
                raise NoticeError(self.source, self.line, f"{match[0]!r} is not a date ({error})") from None
            weekday = _WEEKDAY_NOTE.search(match["note"] or "")
            if weekday and _WEEKDAYS[weekday["w"]] != day.weekday():
                raise NoticeError(
                    self.source,
                    self.line,
                    f"{match[0]!r}: {day} is a {day:%A}, not 星期{weekday['w']} — check the date",
                )
            found.append(day)
        return found


def parse_notice(text: str, source: str = "notice", year: int | None = None) -> Notice:
    """The notice's breaks, checked; ``year`` is needed only when the text lacks the title."""
    lines = text.splitlines()
    title = next((m for line in lines if (m := _TITLE.search(line))), None)
    if title is None and year is None:
        raise NoticeError(
            source, None, "no title 国务院办公厅关于<year>年部分节假日安排的通知 (give the year)"
        )
    notice_year = int(title["year"]) if title else year
    assert notice_year is not None
    if title and year is not None and year != notice_year:
        raise NoticeError(source, None, f"the title is about {notice_year}, not {year}")
    number = next((m for line in lines if (m := _NUMBER.search(line))), None)
    signed = [m for line in lines if (m := _SIGNED.match(line))]
    published = dt.date(int(signed[-1]["y"]), int(signed[-1]["m"]), int(signed[-1]["d"])) if signed else None
    breaks = []
    for index, line in enumerate(lines, start=1):
        paragraph = _PARAGRAPH.match(line)
        if paragraph and ("放假" in paragraph["body"]):
            breaks.append(_read_break(paragraph, notice_year, source, index))
    notice = Notice(
        notice_year,
        title[0] if title else f"国务院办公厅关于{notice_year}年部分节假日安排的通知",
        f"国办发明电〔{number['year']}〕{number['n']}号" if number else "",
        published,
        tuple(breaks),
    )
    check_notice(notice, source)
    return notice


def _read_break(paragraph: re.Match[str], year: int, source: str, line: int) -> NoticeBreak:
    names = tuple(name.strip() for name in re.split(r"[、，,]", paragraph["names"]) if name.strip())
    for name in names:
        if name not in HOLIDAY_NAMES:
            raise NoticeError(
                source, line, f"{name!r} is not a statutory holiday ({'、'.join(HOLIDAY_NAMES)})"
            )
    dates = _DateReader(year, source, line)
    off: list[dt.date] = []
    workdays: list[dt.date] = []
    total = None
    for clause in re.split(r"[，。；,;]", paragraph["body"]):
        clause = clause.strip()
        if (found := _TOTAL.search(clause)) is not None:
            total = int(found["n"])
        if "放假" in clause and not off:
            listed = dates.read(clause.split("放假")[0])
            if not listed:
                raise NoticeError(source, line, f"no date before 放假 in {clause!r}")
            if "至" in clause.split("放假")[0]:
                if len(listed) != 2:
                    raise NoticeError(source, line, f"a range 'A至B' needs two dates: {clause!r}")
                first, last = listed
                if last < first:
                    raise NoticeError(source, line, f"{last} is before {first} in {clause!r}")
                if (last - first).days + 1 > MAX_BREAK_DAYS:
                    raise NoticeError(
                        source,
                        line,
                        f"{first} to {last} is longer than {MAX_BREAK_DAYS} days: check the dates",
                    )
                off.extend(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
            else:
                off.extend(listed)
        elif clause.endswith("补休"):
            off.extend(dates.read(clause))
        elif clause.endswith("上班"):
            workdays.extend(dates.read(clause))
    return NoticeBreak(names, line, tuple(sorted(set(off))), tuple(sorted(set(workdays))), total)


def check_notice(notice: Notice, source: str) -> None:
    """The notice against the statute: every holiday once, its statutory days off, totals that add up."""
    seen: dict[str, int] = {}
    for item in notice.breaks:
        for name in item.names:
            if name in seen:
                raise NoticeError(source, item.line, f"{name} appears twice (first on line {seen[name]})")
            seen[name] = item.line
    missing = [name for name in HOLIDAY_NAMES if name not in seen]
    if missing:
        raise NoticeError(source, None, f"no paragraph for {'、'.join(missing)}: is the text complete?")
    statute = statutory_days(notice.year)
    owner: dict[dt.date, NoticeBreak] = {}
    for item in notice.breaks:
        for day in item.days_off + item.adjusted_workdays:
            if day in owner:
                raise NoticeError(
                    source, item.line, f"{day} is also in the paragraph on line {owner[day].line}"
                )
            owner[day] = item
            if not (day.year == notice.year or (day.year == notice.year - 1 and day.month == 12)):
                raise NoticeError(source, item.line, f"{day} lies outside the {notice.year} notice")
        if item.declared_total is not None and item.declared_total != len(item.days_off):
            raise NoticeError(
                source,
                item.line,
                f"{item.name}: 共{item.declared_total}天 but the dates give {len(item.days_off)} days off "
                f"({item.days_off[0]} to {item.days_off[-1]})",
            )
        for day in item.adjusted_workdays:
            if day.weekday() < 5:
                raise NoticeError(
                    source,
                    item.line,
                    f"{item.name}: 调休上班 day {day} is a {day:%A}; it must be a Saturday or Sunday",
                )
        required = [day for name in item.names for day in statute[name]]
        outside = [day for day in required if day not in item.days_off]
        if outside:
            shown = "、".join(str(day) for day in outside)
            raise NoticeError(
                source,
                item.line,
                f"{item.name}: the statutory day(s) off {shown} (《全国年节及纪念日放假办法》第二条) "
                f"are not in the days off {item.days_off[0]} to {item.days_off[-1]}",
            )
        # Weekdays off beyond the statute are paid for by 调休 workdays or are 补假 for statutory days
        # on a weekend (第六条): nothing else gives a weekday off.
        extra_weekdays = [day for day in item.days_off if day.weekday() < 5 and day not in required]
        # A statutory day shared by two holidays (中秋 on 1 October, 2020) is made up like one on a weekend.
        made_up = sum(1 for day in required if day.weekday() >= 5) + len(required) - len(set(required))
        if len(extra_weekdays) != len(item.adjusted_workdays) + made_up:
            raise NoticeError(
                source,
                item.line,
                f"{item.name}: {len(extra_weekdays)} weekday(s) off beyond the statutory days, but "
                f"{len(item.adjusted_workdays)} 调休上班 day(s) and {made_up} statutory day(s) on a weekend "
                f"or shared by two holidays (补假) to account for them — check the dates",
            )
