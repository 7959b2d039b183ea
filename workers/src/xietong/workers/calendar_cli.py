"""``xietong calendar …``: enter a year's State Council notice; recheck the deadlines counted without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from xietong.workers.handlers.job import china_time


@click.group()
def calendar() -> None:
    """China's official working-day calendar: the yearly notices and provisional years."""


@calendar.command("status")
@click.option("--year", "years", type=int, multiple=True, help="Years to show (default: this and next).")
def status(years: tuple[int, ...]) -> None:
    """Which years are exact (a notice is known) and which are counted provisionally on the statute."""
    from xietong.workers.calendar import CalendarSupplementError, WorkingDayCalendar

    try:
        working_days = WorkingDayCalendar()
    except CalendarSupplementError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"exact: {working_days.first_year}–{working_days.last_year} (chinese-calendar "
        f"{working_days.package_first_year}–{working_days.package_last_year}, supplements "
        f"{working_days.supplements_path})"
    )
    this_year = dt.date.today().year
    for year in years or (this_year, this_year + 1):
        if working_days.covers(year):
            state = "exact (国务院办公厅通知已录入 / notice known)"
        elif working_days.is_provisional(year):
            days = sorted(working_days.provisional_days_off(year).values(), key=lambda d: d.day)
            made_up = sum(1 for d in days if d.made_up)
            state = (
                f"暂定 provisional: statutory holidays only, {len(days)} days off ({made_up} 补假), no 调休; "
                "enter the notice with `xietong calendar add-year`"
            )
        else:
            state = "not available (outside what the statute can be computed for)"
        click.echo(f"{year}: {state}")


@calendar.command("add-year")
@click.argument("notice_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--supplements",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Supplement file to write [env XIETONG_CALENDAR_SUPPLEMENTS; default config/calendar/china.yaml].",
)
@click.option("--number", default=None, help="Document number, if the text lacks it (国办发明电〔2026〕N号).")
@click.option("--dry-run", is_flag=True, help="Check and print the entry; write nothing.")
def add_year(notice_file: Path, supplements: Path | None, number: str | None, dry_run: bool) -> None:
    """Read NOTICE_FILE (the notice's text, UTF-8), check it against the statute, enter its year.

    The text is the notice as published: "一、元旦：…放假调休，共N天。X月X日（周六）上班。" and so on.
    """
    from xietong.workers.calendar_entry import CalendarEntryError, add_year, render_year
    from xietong.workers.calendar_notice import NoticeError, parse_notice
    from xietong.workers.calendar_statute import StatuteYearOutOfRange
    from xietong.workers.settings import CalendarSettings

    try:
        text = notice_file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise click.ClickException(f"{notice_file}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{notice_file}: cannot be read as UTF-8 text ({error})") from None
    target = supplements or CalendarSettings().supplements
    try:
        notice = parse_notice(text, str(notice_file))
        entry = render_year(notice, number)
        if not dry_run:
            add_year(target, notice, number)
    except (NoticeError, CalendarEntryError, StatuteYearOutOfRange) as error:
        raise click.ClickException(str(error)) from None
    click.echo(entry, nl=False)
    days_off = len(notice.days_off())
    workdays = len(notice.adjusted_workdays())
    verb = "checked (not written)" if dry_run else f"entered into {target}"
    click.echo(f"{notice.year}: {days_off} days off, {workdays} 调休上班 days; {verb}")
    if not dry_run:
        click.echo("Next: xietong calendar recheck (open cases whose due dates were provisional)")


@calendar.command("recheck")
@click.option(
    "--case-store", default=None, help="sqlite:///PATH or postgresql://… [env XIETONG_CASE_STORE_URL]."
)
@click.option("--apply", "apply_moves", is_flag=True, help="Move the engine's timers of changed due dates.")
@click.option(
    "--rest-url",
    envvar="XIETONG_CONSOLE_REST_URL",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Engine REST API base URL, to find the waiting tasks [env XIETONG_CONSOLE_REST_URL].",
)
@click.option("--address", default=None, help="Zeebe gateway host:port [env XIETONG_ZEEBE_ADDRESS].")
def recheck(case_store: str | None, apply_moves: bool, rest_url: str, address: str | None) -> None:
    """List open cases whose due dates were provisional, with their dates now; --apply moves timers.

    Columns: case id, process instance, step, due variable, recorded due, due now, what happens.
    """
    from pydantic import ValidationError

    from xietong.cli import settings_problems
    from xietong.workers.calendar import CalendarSupplementError, WorkingDayCalendar
    from xietong.workers.calendar_recheck import TimerMover, open_mover, provisional_deadlines, record_move
    from xietong.workers.cli import _open_store
    from xietong.workers.settings import WorkerSettings

    try:
        working_days = WorkingDayCalendar()
    except CalendarSupplementError as error:
        raise click.ClickException(str(error)) from None
    mover: TimerMover | None = None
    with _open_store(case_store, existing=True) as store:
        try:
            found = list(provisional_deadlines(store, working_days))
        except ValueError as error:
            raise click.ClickException(f"a recorded due date cannot be recounted: {error}") from None
        if not found:
            click.echo("no open case has a provisional due date")
            return
        if apply_moves:
            try:
                settings = WorkerSettings()
            except ValidationError as error:
                raise click.ClickException(settings_problems(error, "XIETONG_")) from None
            if address:
                settings = settings.model_copy(update={"zeebe_address": address})
            mover = open_mover(settings, rest_url)
        try:
            for deadline in found:
                now = china_time(deadline.now.at)
                if not deadline.changed:
                    outcome = "unchanged" + (" (still provisional)" if deadline.still_provisional else "")
                elif mover is None:
                    outcome = "changed: run with --apply to move the timer"
                else:
                    try:
                        move = mover.move(deadline)
                    except Exception as error:  # gRPC/HTTP errors: report the case, go on with the rest
                        outcome = f"NOT moved: {str(error).splitlines()[0]}"
                    else:
                        record_move(store, move, dt.datetime.now(dt.UTC))
                        outcome = move.outcome
                fields = [
                    deadline.case_id,
                    str(deadline.process_instance_key or "-"),
                    deadline.step_id or "-",
                    deadline.due_variable,
                    deadline.recorded_due,
                    now + (" (provisional)" if deadline.still_provisional else ""),
                    outcome,
                ]
                click.echo("\t".join(fields))
        finally:
            if mover is not None:
                mover.close()
