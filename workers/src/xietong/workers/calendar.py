"""Due dates for the time limits of the mechanisms (办理时限), on China's official calendar.

The documents give limits as "N个工作日", "N日" and "N小时". Working days follow the State
Council's yearly holiday notice: public holidays are off even on weekdays, and the adjusted
weekend days (调休上班) are working days. The data comes from the PyPI package
``chinese-calendar``; a year it does not cover is an error naming the year, never a guess, because
a wrong due date silently moves every 督办 of a case.

The rule, in Asia/Shanghai time (China has one zone and no daylight saving):

- ``workingDays``: counting starts on the working day AFTER the start date (the day a matter arrives
  is not counted, as in 行政处罚法/民法典: 开始的当日不计入); the case is due at the end (23:59:59)
  of the N-th working day so counted. A matter arriving on a Friday evening with a limit of 1
  working day is due at the end of the next Monday, or later if Monday is a holiday.
- ``days`` (calendar days): counting starts the day after the start date; due at the end of the
  N-th day. If that day is not a working day the limit runs to the end of the next working day
  (民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日).
- ``months``: the day of the N-th month after the start date with the same number (the last day
  of that month if it has none: 1 month from 31 January ends on 28/29 February), extended to the
  next working day like ``days`` (民法典 第二百零二、二百零三条).
- ``hours``: exactly N hours after the start instant, on the clock; holidays do not stop an
  emergency limit (2小时, 24小时 are used for urgent matters that run around the clock).

Years the package does not cover come from a reviewed supplement file (``config/calendar/china.yaml``,
``XIETONG_CALENDAR_SUPPLEMENTS``) that the county office fills in from the published notice, so a new
year needs no code change. A supplement for a year the package covers must describe that year
exactly as the package does, or the calendar refuses to start (see ``_check_against_package``).

A later year whose notice has not been entered yet is **provisional**: its days off are the statutory
holidays of 《全国年节及纪念日放假办法》 and their 补假, with no 调休 workdays
(:mod:`xietong.workers.calendar_statute`), because the 调休 pattern cannot be known before the notice.
Deadlines keep working; every due date that counted a day of such a year says so
(:attr:`DueDate.provisional_years`), a warning is logged once per year, and ``xietong calendar
add-year`` enters the notice, after which ``xietong calendar recheck`` corrects open cases.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import structlog
import yaml

from xietong.workers.calendar_statute import LAST_COMPUTABLE_YEAR, ProvisionalDay, provisional_days_off

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)
SUPPLEMENTS_VARIABLE = "XIETONG_CALENDAR_SUPPLEMENTS"
# No official holiday period has been longer than 10 days (春节 2020 with its extension); a longer
# range in a supplement is almost certainly a typo such as 2027-12-07 for 2027-02-07.
MAX_HOLIDAY_DAYS = 15

log = structlog.get_logger(__name__)


class CalendarYearNotCovered(ValueError):
    """The official calendar of a year is known neither to the package nor to the supplement file."""

    def __init__(
        self,
        year: int,
        first: int,
        last: int,
        supplements: Path | None = None,
        supplement_years: Iterable[int] | None = (),
    ) -> None:
        """``supplement_years`` is None when the supplement file was not there to read."""
        file = supplements or Path("config/calendar/china.yaml")
        if supplement_years is None:
            read = f"the supplement file {file} does not exist"
        else:
            years = sorted(supplement_years)
            listed = f" (it has {', '.join(map(str, years))})" if years else ""
            read = f"{file} has no entry for {year}{listed}"
        super().__init__(
            f"the official working-day calendar for {year} is not available: chinese-calendar "
            f"{chinese_calendar.__version__} covers {first}–{last} and {read}. Once the State Council "
            f"has published 国务院办公厅关于{year}年部分节假日安排的通知, add its holidays and 调休上班 "
            f"days under 'years: {year}:' in {file} (the schema is in the file's header comment; "
            f"{SUPPLEMENTS_VARIABLE} names another file), or install a chinese-calendar release that "
            f"covers {year}"
        )
        self.year = year


@dataclass(frozen=True)
class DueDate:
    """A due instant and the years it was counted on without their notice (statute only)."""

    at: dt.datetime
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


class CalendarSupplementError(ValueError):
    """A supplement file that cannot be trusted; the message starts with ``file:line``."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line


class LimitUnit(StrEnum):
    WORKING_DAY = "workingDays"
    DAY = "days"
    HOUR = "hours"
    MONTH = "months"


# The generated models write plurals (workingDays, days, hours, months); singulars mean the same.
_UNIT_NAMES = {
    "workingday": LimitUnit.WORKING_DAY,
    "workingdays": LimitUnit.WORKING_DAY,
    "day": LimitUnit.DAY,
    "days": LimitUnit.DAY,
    "hour": LimitUnit.HOUR,
    "hours": LimitUnit.HOUR,
    "month": LimitUnit.MONTH,
    "months": LimitUnit.MONTH,
}


@dataclass(frozen=True)
class TimeLimit:
    amount: float
    unit: LimitUnit

    @classmethod
    def parse(cls, value: object, field: str = "limit") -> TimeLimit:
        """Reads ``{amount, unit: "workingDays" | "days" | "hours" | "months"}``; errors name the field."""
        if not isinstance(value, dict):
            raise ValueError(f"{field}: expected a context {{amount, unit}}, got {value!r}")
        amount, unit_name = value.get("amount"), value.get("unit")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount):
            raise ValueError(f"{field}.amount: expected a number, got {amount!r}")
        if not isinstance(unit_name, str) or unit_name.lower() not in _UNIT_NAMES:
            known = ", ".join(unit.value for unit in LimitUnit)
            raise ValueError(f"{field}.unit: expected one of {known}; got {unit_name!r}")
        unit = _UNIT_NAMES[unit_name.lower()]
        if amount <= 0:
            raise ValueError(f"{field}.amount: a time limit must be positive, got {amount!r}")
        if unit is not LimitUnit.HOUR and amount != int(amount):
            raise ValueError(f"{field}.amount: {unit.value} limits count whole days, got {amount!r}")
        return cls(amount, unit)


@dataclass(frozen=True)
class NoticeSource:
    """The published notice a supplement year was copied from, so a reviewer can check it."""

    title: str
    number: str
    published: dt.date | None = None
    url: str | None = None


@dataclass(frozen=True)
class SupplementDay:
    """One day the notice changes: a holiday (``working=False``) or an adjusted working day."""

    day: dt.date
    working: bool
    holiday: str
    line: int


@dataclass(frozen=True)
class SupplementYear:
    year: int
    line: int
    source: NoticeSource
    days: tuple[SupplementDay, ...]


@dataclass(frozen=True)
class CalendarSupplement:
    """The reviewed notices of one supplement file, by notice year."""

    path: Path
    years: dict[int, SupplementYear]

    @classmethod
    def read(cls, path: Path) -> CalendarSupplement:
        """Reads and checks a supplement file; every error names the file and the line."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CalendarSupplementError(
                path, None, f"no such file (set {SUPPLEMENTS_VARIABLE} to the supplement file)"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CalendarSupplementError(path, None, f"cannot be read as UTF-8 text: {error}") from None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = " ".join(part for part in (error.context, error.problem) if part)
            raise CalendarSupplementError(
                path, mark.line + 1 if mark else None, f"malformed YAML: {problem}"
            ) from None
        except yaml.YAMLError as error:
            raise CalendarSupplementError(path, None, f"malformed YAML: {error}") from None
        except RecursionError:
            raise CalendarSupplementError(path, None, "malformed YAML: nested too deeply") from None
        return _SupplementReader(path).read(root)


class _SupplementReader:
    """Walks the composed YAML nodes (which keep their line) against the schema of china.yaml."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: set[int] = set()

    def error(self, node: yaml.Node, message: str) -> CalendarSupplementError:
        return CalendarSupplementError(self.path, node.start_mark.line + 1, message)

    def read(self, root: yaml.Node | None) -> CalendarSupplement:
        if root is None:
            return CalendarSupplement(self.path, {})
        top = self.mapping(root, "the file", required={"years"}, optional=set())
        years_node = top["years"][1]
        if _is_null(years_node):
            return CalendarSupplement(self.path, {})
        if not isinstance(years_node, yaml.MappingNode):
            raise self.error(years_node, "'years' must map each notice year (2027:) to its entry")
        years: dict[int, SupplementYear] = {}
        for key_node, value in years_node.value:
            year = self.year_key(key_node)
            if year in years:
                raise self.error(key_node, f"year {year} appears twice (first on line {years[year].line})")
            years[year] = self.year_entry(year, key_node, value)
        _check_days_listed_once(self, years)
        return CalendarSupplement(self.path, years)

    def mapping(
        self, node: yaml.Node, what: str, required: set[str], optional: set[str]
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The keys of a mapping node; unknown, missing and repeated keys are errors."""
        self.visit(node)
        if not isinstance(node, yaml.MappingNode):
            keys = ", ".join(sorted(required | optional))
            raise self.error(node, f"{what} must be a mapping with the keys {keys}")
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key not in required | optional:
                known = ", ".join(sorted(required | optional))
                raise self.error(key_node, f"unknown key {key!r} in {what} (expected {known})")
            if key in found:
                first = found[key][0].start_mark.line + 1
                raise self.error(key_node, f"{key!r} appears twice in {what} (first on line {first})")
            found[key] = (key_node, value)
        missing = sorted(required - found.keys())
        if missing:
            raise self.error(node, f"{what} lacks {', '.join(repr(key) for key in missing)}")
        return found

    def visit(self, node: yaml.Node) -> None:
        # An alias makes one node appear twice in the tree: a reviewed file spells every entry out.
        if id(node) in self._seen:
            raise self.error(node, "YAML anchors and aliases (&name, *name) are not allowed here")
        self._seen.add(id(node))

    def year_key(self, node: yaml.Node) -> int:
        if not isinstance(node, yaml.ScalarNode) or not re.fullmatch(r"\d{4}", node.value):
            shown = node.value if isinstance(node, yaml.ScalarNode) else "a collection"
            raise self.error(node, f"a notice year must be four digits like 2027, got {shown!r}")
        return int(node.value)

    def text(self, node: yaml.Node, what: str) -> str:
        self.visit(node)
        if (
            not isinstance(node, yaml.ScalarNode)
            or node.tag != "tag:yaml.org,2002:str"
            or not node.value.strip()
        ):
            shown = node.value if isinstance(node, yaml.ScalarNode) else "a collection"
            raise self.error(node, f"{what} must be non-empty text, got {shown!r}")
        text: str = node.value.strip()
        return text

    def date(self, node: yaml.Node, what: str) -> dt.date:
        self.visit(node)
        value = node.value if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise self.error(node, f"{what} must be a date written YYYY-MM-DD, got {value!r}")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise self.error(node, f"{what} {value} is not a date ({error})") from None

    def year_entry(self, year: int, key_node: yaml.Node, node: yaml.Node) -> SupplementYear:
        what = f"the entry for {year}"
        fields = self.mapping(node, what, required={"source", "holidays"}, optional=set())
        source = self.source(year, fields["source"][1])
        holidays_node = fields["holidays"][1]
        self.visit(holidays_node)
        if not isinstance(holidays_node, yaml.SequenceNode) or not holidays_node.value:
            raise self.error(holidays_node, f"'holidays' of {year} must be a non-empty list")
        days: list[SupplementDay] = []
        for item in holidays_node.value:
            days.extend(self.holiday(year, item))
        return SupplementYear(year, key_node.start_mark.line + 1, source, tuple(days))

    def source(self, year: int, node: yaml.Node) -> NoticeSource:
        fields = self.mapping(
            node, f"the source of {year}", required={"title", "number"}, optional={"published", "url"}
        )
        title_node = fields["title"][1]
        title = self.text(title_node, "source.title")
        if str(year) not in title:
            raise self.error(
                title_node, f"source.title {title!r} does not name {year}: is this another year's notice?"
            )
        published = self.date(fields["published"][1], "source.published") if "published" in fields else None
        url = self.text(fields["url"][1], "source.url") if "url" in fields else None
        return NoticeSource(title, self.text(fields["number"][1], "source.number"), published, url)

    def holiday(self, year: int, node: yaml.Node) -> list[SupplementDay]:
        fields = self.mapping(
            node, f"a holiday of {year}", required={"name", "from"}, optional={"to", "adjusted_workdays"}
        )
        name = self.text(fields["name"][1], "name")
        first_node = fields["from"][1]
        first = self.date(first_node, "from")
        last = self.date(fields["to"][1], "to") if "to" in fields else first
        self.in_notice_year(year, first, first_node)
        self.in_notice_year(year, last, fields["to"][1] if "to" in fields else first_node)
        if last < first:
            raise self.error(first_node, f"{name}: 'to' {last} is before 'from' {first}")
        length = (last - first).days + 1
        if length > MAX_HOLIDAY_DAYS:
            raise self.error(
                first_node,
                f"{name}: {first} to {last} is {length} days; no official holiday period is longer than "
                f"{MAX_HOLIDAY_DAYS} days, check the dates against the notice",
            )
        line = node.start_mark.line + 1  # the holiday's item, where a reviewer finds its name
        days = [SupplementDay(first + dt.timedelta(days=n), False, name, line) for n in range(length)]
        if "adjusted_workdays" in fields:
            listed = fields["adjusted_workdays"][1]
            self.visit(listed)
            if not isinstance(listed, yaml.SequenceNode):
                raise self.error(listed, f"{name}: 'adjusted_workdays' must be a list of dates")
            for day_node in listed.value:
                day = self.date(day_node, f"{name}: adjusted workday")
                self.in_notice_year(year, day, day_node)
                if day.weekday() < 5:
                    raise self.error(
                        day_node,
                        f"{name}: adjusted workday {day} is a {day:%A}; 调休上班 days are Saturdays or "
                        f"Sundays (a weekday is a working day anyway)",
                    )
                days.append(SupplementDay(day, True, name, day_node.start_mark.line + 1))
        return days

    def in_notice_year(self, year: int, day: dt.date, node: yaml.Node) -> None:
        # A notice may start 元旦 in the December before (2023's began on 31 December 2022).
        if day.year != year and not (day.year == year - 1 and day.month == 12):
            raise self.error(
                node, f"{day} is outside the {year} notice (its dates lie in {year} or December {year - 1})"
            )


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _check_days_listed_once(reader: _SupplementReader, years: dict[int, SupplementYear]) -> None:
    """Overlapping holidays, or a 调休上班 day inside a holiday, are errors naming both lines."""
    seen: dict[dt.date, SupplementDay] = {}
    for entry in years.values():
        for day in entry.days:
            earlier = seen.get(day.day)
            if earlier is None:
                seen[day.day] = day
                continue
            kinds = {False: "holiday", True: "adjusted workday"}
            raise CalendarSupplementError(
                reader.path,
                day.line,
                f"{day.day} as {kinds[day.working]} of {day.holiday} overlaps line {earlier.line}, "
                f"where it is already {'an' if earlier.working else 'a'} {kinds[earlier.working]} "
                f"of {earlier.holiday}",
            )


def _package_notice_year(day: dt.date, name: str) -> int:
    """The notice a package date came from: December days of 元旦 belong to the next year's notice."""
    new_years_day = chinese_calendar.Holiday.new_years_day.value
    return day.year + 1 if day.month == 12 and name == new_years_day else day.year


def _check_against_package(
    supplement: CalendarSupplement,
    holidays: dict[dt.date, str],
    workdays: dict[dt.date, str],
    first: int,
    last: int,
) -> None:
    """A supplement may add years the package lacks; it may never contradict the package.

    Rejecting (rather than letting the supplement win) is deliberate: the package's years are past
    and current years whose due dates are already recorded on cases, and a supplement that differs
    from the package is far more often a typo than a new notice. A genuinely amended year (as 春节
    2020 was extended) is a reason to update the package, reviewed like any other dependency.
    """
    version = chinese_calendar.__version__

    def package_working(day: dt.date) -> bool:
        return day in workdays or (day.weekday() < 5 and day not in holidays)

    def describe(working: bool, day: dt.date) -> str:
        return f"{day} ({day:%A}) a {'working day' if working else 'day off'}"

    for year, entry in supplement.years.items():
        listed = {day.day: day for day in entry.days}
        if first <= year <= last:
            package_days = {
                day
                for table in (holidays, workdays)
                for day, name in table.items()
                if _package_notice_year(day, name) == year
            }
            for day in sorted(package_days | listed.keys()):
                ours = listed[day].working if day in listed else day.weekday() < 5
                theirs = package_working(day)
                if ours == theirs:
                    continue
                where = listed[day].line if day in listed else entry.line
                said = "this entry makes it" if day in listed else "this entry does not list it, leaving it"
                raise CalendarSupplementError(
                    supplement.path,
                    where,
                    f"{year} is covered by chinese-calendar {version}, which makes {describe(theirs, day)}; "
                    f"{said} {'a working day' if ours else 'a day off'}. A supplement for a "
                    f"covered year must agree with the package: correct the entry or remove {year}",
                )
        else:
            # December days of an uncovered notice year fall in a covered year: the package may only
            # be silent about them (an ordinary day), never say otherwise.
            for day, listed_day in listed.items():
                known = first <= day.year <= last and (day in holidays or day in workdays)
                if known and package_working(day) != listed_day.working:
                    ours_said = "a working day" if listed_day.working else "a day off"
                    raise CalendarSupplementError(
                        supplement.path,
                        listed_day.line,
                        f"chinese-calendar {version} makes {describe(package_working(day), day)}; "
                        f"the {year} entry makes it {ours_said}",
                    )


def _default_supplements() -> tuple[Path, bool]:
    """The configured supplement file, and whether the operator named it explicitly."""
    from xietong.workers.settings import CalendarSettings

    settings = CalendarSettings()
    return settings.supplements, "supplements" in settings.model_fields_set


class WorkingDayCalendar:
    """China's official working days, with the due-date rule documented in this module.

    ``supplements`` is the reviewed supplement file; by default the one the settings name
    (``XIETONG_CALENDAR_SUPPLEMENTS``, else ``config/calendar/china.yaml``). A bad file stops the
    calendar here, at start-up, rather than failing jobs later.
    """

    def __init__(self, supplements: Path | None = None) -> None:
        # The package's own tables; its is_workday() rescans them for the covered range on every
        # call (~200 µs), so the same rule is applied here on frozen sets.
        package_holidays = dict(chinese_calendar.holidays)
        package_workdays = dict(chinese_calendar.workdays)
        package_years = {d.year for d in package_holidays.keys() | package_workdays.keys()}
        self.package_first_year = min(package_years)
        self.package_last_year = max(package_years)

        explicit = supplements is not None
        if supplements is None:
            supplements, explicit = _default_supplements()
        self.supplement: CalendarSupplement | None = None
        if explicit or supplements.exists():
            self.supplement = CalendarSupplement.read(supplements)
            _check_against_package(
                self.supplement,
                package_holidays,
                package_workdays,
                self.package_first_year,
                self.package_last_year,
            )
        else:
            log.warning(
                "calendar supplement file not found; using chinese-calendar only", path=str(supplements)
            )
        self.supplements_path = supplements

        holidays = set(package_holidays)
        adjusted = set(package_workdays)
        self._supplement_years: frozenset[int] = frozenset()
        if self.supplement is not None:
            self._supplement_years = frozenset(self.supplement.years)
            for entry in self.supplement.years.values():
                for day in entry.days:
                    (adjusted if day.working else holidays).add(day.day)
        self._holidays = frozenset(holidays)
        self._adjusted_workdays = frozenset(adjusted)
        self.first_year = self.package_first_year
        # Every day from first_year to last_year is covered, so last_year + 1 never is.
        self.last_year = self.package_last_year
        while self.last_year + 1 in self._supplement_years:
            self.last_year += 1
        self._provisional: dict[int, dict[dt.date, ProvisionalDay]] = {}

    def covers(self, year: int) -> bool:
        """Whether ``year``'s notice is known (exact working days)."""
        return self.package_first_year <= year <= self.package_last_year or year in self._supplement_years

    def is_provisional(self, year: int) -> bool:
        """A year after the package whose notice is not entered: counted on the statute alone."""
        return not self.covers(year) and self.package_last_year < year <= LAST_COMPUTABLE_YEAR

    def provisional_days_off(self, year: int) -> dict[dt.date, ProvisionalDay]:
        """The statutory days off and 补假 of a provisional year (warned about once per year)."""
        days = self._provisional.get(year)
        if days is None:
            days = {item.day: item for item in provisional_days_off(year)}
            self._provisional[year] = days
            _warn_provisional(year, self.supplements_path)
        return days

    def _check_year(self, day: dt.date) -> None:
        if not self.covers(day.year) and not self.is_provisional(day.year):
            raise CalendarYearNotCovered(
                day.year,
                self.package_first_year,
                self.package_last_year,
                self.supplements_path,
                self._supplement_years if self.supplement is not None else None,
            )

    def is_working_day(self, day: dt.date, provisional: set[int] | None = None) -> bool:
        """Whether ``day`` is worked; a provisional year's days are added to ``provisional``."""
        self._check_year(day)
        if not self.covers(day.year):
            if provisional is not None:
                provisional.add(day.year)
            return day.weekday() < 5 and day not in self.provisional_days_off(day.year)
        if day in self._adjusted_workdays:
            return True
        return day.weekday() < 5 and day not in self._holidays

    def next_working_day(self, day: dt.date, provisional: set[int] | None = None) -> dt.date:
        """The first working day strictly after ``day``."""
        candidate = day + dt.timedelta(days=1)
        while not self.is_working_day(candidate, provisional):
            candidate += dt.timedelta(days=1)
        return candidate

    def add_working_days(self, day: dt.date, count: int, provisional: set[int] | None = None) -> dt.date:
        """The ``count``-th working day after ``day`` (``day`` itself never counts)."""
        for _ in range(count):
            day = self.next_working_day(day, provisional)
        return day

    def due(self, start: dt.datetime, limit: TimeLimit) -> dt.datetime:
        """The due instant of ``limit`` counted from ``start`` (an aware datetime), in China time."""
        return self.due_date(start, limit).at

    def due_date(self, start: dt.datetime, limit: TimeLimit) -> DueDate:
        """The due instant, and which years it counted without their notice (see the module doc)."""
        if start.tzinfo is None:
            raise ValueError(f"start time {start.isoformat()} has no UTC offset")
        local = start.astimezone(CHINA)
        if limit.unit is LimitUnit.HOUR:
            return DueDate((local + dt.timedelta(hours=limit.amount)).astimezone(CHINA))
        provisional: set[int] = set()
        if limit.unit is LimitUnit.WORKING_DAY:
            last = self.add_working_days(local.date(), int(limit.amount), provisional)
        else:
            if limit.unit is LimitUnit.DAY:
                last = local.date() + dt.timedelta(days=int(limit.amount))
            else:
                last = _add_months(local.date(), int(limit.amount))
            if not self.is_working_day(last, provisional):
                last = self.next_working_day(last, provisional)
        return DueDate(dt.datetime.combine(last, END_OF_DAY, tzinfo=CHINA), tuple(sorted(provisional)))


_warned_years: set[int] = set()


def _warn_provisional(year: int, supplements: Path) -> None:
    """Once per process and year: due dates are being counted on the statute alone."""
    if year in _warned_years:
        return
    _warned_years.add(year)
    log.warning(
        "calendar year provisional: no State Council notice entered; counting statutory holidays only",
        year=year,
        supplements=str(supplements),
        remedy="xietong calendar add-year NOTICE.txt, then xietong calendar recheck",
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day number ``months`` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month_start = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month_start - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))
