"""Enters a read notice into the supplement file (``config/calendar/china.yaml``), all or nothing.

The new year is written in the file's own schema, after the years already there; the header comment
and the other entries are kept as they are. The result is read back through the same checks the
workers apply at start-up (:class:`~xietong.workers.calendar.WorkingDayCalendar`) before it
replaces the file, so a file that the workers would refuse is never written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

from xietong.workers.calendar import CalendarSupplement, CalendarSupplementError, WorkingDayCalendar
from xietong.workers.calendar_notice import Notice


class CalendarEntryError(ValueError):
    """The year cannot be entered (already there, or the file would not pass the checks)."""


def _runs(days: tuple[dt.date, ...]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) ranges: 元旦 with a 补休 day apart becomes two items."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and day == runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_year(notice: Notice, number: str | None = None) -> str:
    """The YAML of one notice year, indented for the ``years:`` mapping."""
    number = number or notice.number
    if not number:
        raise CalendarEntryError(
            "the notice text has no document number (国办发明电〔YYYY〕N号): give it with --number"
        )
    lines = [
        f"  {notice.year}:",
        "    source:",
        f"      title: {_quoted(notice.title)}",
        f"      number: {_quoted(number)}",
    ]
    if notice.published is not None:
        lines.append(f"      published: {notice.published.isoformat()}")
    lines.append("    holidays:")
    for item in notice.breaks:
        for index, (first, last) in enumerate(_runs(item.days_off)):
            lines.append(f"      - name: {_quoted(item.name)}")
            lines.append(f"        from: {first.isoformat()}")
            if last != first:
                lines.append(f"        to: {last.isoformat()}")
            if index == 0 and item.adjusted_workdays:
                days = ", ".join(day.isoformat() for day in item.adjusted_workdays)
                lines.append(f"        adjusted_workdays: [{days}]")
    return "\n".join(lines) + "\n"


def add_year(path: Path, notice: Notice, number: str | None = None) -> str:
    """Writes ``notice`` into ``path`` (atomically) and returns the new text."""
    text = path.read_text(encoding="utf-8") if path.exists() else "years: {}\n"
    existing = CalendarSupplement.read(path) if path.exists() else None
    if existing is not None and notice.year in existing.years:
        line = existing.years[notice.year].line
        raise CalendarEntryError(
            f"{path}:{line}: {notice.year} is already entered; remove that entry first to replace it"
        )
    block = render_year(notice, number)
    empty = re.compile(r"^years:\s*(\{\s*\})?\s*$", re.MULTILINE)
    if empty.search(text):
        new_text = empty.sub(lambda _: "years:\n" + block.rstrip("\n"), text, count=1)
        new_text = new_text if new_text.endswith("\n") else new_text + "\n"
    elif re.search(r"^years:\s*$", text, re.MULTILINE):
        new_text = text + ("" if text.endswith("\n") else "\n") + block
    else:
        raise CalendarEntryError(f"{path}: no top-level 'years:' mapping to add {notice.year} to")
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".new", delete=False
    ) as handle:
        handle.write(new_text)
        staged = Path(handle.name)
    try:
        try:
            WorkingDayCalendar(staged)
        except CalendarSupplementError as error:
            shown = str(error).replace(str(staged), str(path))
            raise CalendarEntryError(f"the entry would make the file invalid: {shown}") from None
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)
    return new_text
