"""``xietong workers …``: run the job workers; read the case store as a supervisor would."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
from pydantic import ValidationError

from xietong.cli import settings_problems
from xietong.workers.case_store import CaseStatus, CaseStore, redact_url
from xietong.workers.handlers.job import china_time
from xietong.workers.settings import CaseStoreSettings, WorkerSettings


def _open_store(url: str | None, existing: bool = False) -> CaseStore:
    """The case store named by ``--case-store`` or the environment; a bad URL or an unreachable
    server is a one-line error naming it, not a traceback. ``existing``: for commands that only read,
    a SQLite store that is not there is an error, not a new empty store (a typo'd path would
    otherwise look like a system without cases)."""
    try:
        resolved = url or CaseStoreSettings().url
    except ValidationError as error:
        raise click.ClickException(error.errors()[0]["msg"]) from None
    if existing and resolved.startswith("sqlite:///"):
        path = Path(resolved.removeprefix("sqlite:///"))
        if not path.is_file():
            raise click.ClickException(f"no case store at {path} ({resolved})")
    try:
        return CaseStore(resolved)
    except ValidationError as error:
        raise click.ClickException(error.errors()[0]["msg"]) from None
    except Exception as error:  # psycopg's and sqlite3's connection errors, CaseStoreError
        shown = redact_url(url) if url else "from XIETONG_CASE_STORE_URL"
        raise click.ClickException(f"case store {shown}: {error}") from None


@click.group()
def workers() -> None:
    """Job workers for the catalog's task types, and the case store they write."""


@workers.command("run")
@click.option("--address", default=None, help="Zeebe gateway host:port [env XIETONG_ZEEBE_ADDRESS].")
@click.option(
    "--rest-address",
    default=None,
    help="REST API base URL, asked whose part of a step is open [env XIETONG_ZEEBE_REST_ADDRESS].",
)
@click.option(
    "--case-store", default=None, help="sqlite:///PATH or postgresql://… [env XIETONG_CASE_STORE_URL]."
)
def run(address: str | None, rest_address: str | None, case_store: str | None) -> None:
    """Serve every task type until SIGTERM/SIGINT."""
    from xietong.workers.app import GatewayUnreachable, serve
    from xietong.workers.calendar import CalendarSupplementError

    try:
        settings = WorkerSettings()
    except ValidationError as error:
        raise click.ClickException(settings_problems(error, "XIETONG_")) from None
    if address:
        settings = settings.model_copy(update={"zeebe_address": address})
    if rest_address:
        settings = settings.model_copy(update={"zeebe_rest_address": rest_address})
    with _open_store(case_store) as store:
        try:
            asyncio.run(serve(settings, store))
        except (GatewayUnreachable, CalendarSupplementError) as error:
            raise click.ClickException(str(error)) from None


@workers.command("cases")
@click.option("--status", type=click.Choice([s.value for s in CaseStatus]), default=None, help="Only these.")
@click.option(
    "--case-store", default=None, help="sqlite:///PATH or postgresql://… [env XIETONG_CASE_STORE_URL]."
)
@click.option("--limit", default=200, show_default=True, help="At most this many cases, oldest first.")
def cases(status: str | None, case_store: str | None, limit: int) -> None:
    """List cases for supervisors, one per line, tab-separated.

    Columns: case id, status, mechanism, opened, closed, events, 督办 count, escalations, last event.
    """
    with _open_store(case_store, existing=True) as store:
        for line in store.summaries(CaseStatus(status) if status else None, limit=limit):
            case = line.case
            closed = china_time(case.closed_at) if case.closed_at else "-"
            last = (
                f"{line.last_kind.value}@{china_time(line.last_at)}"
                if line.last_kind and line.last_at
                else "-"
            )
            fields = [case.case_id, case.status.value, case.mechanism_id, china_time(case.opened_at), closed]
            fields += [str(line.events), str(line.supervised), str(line.escalated), last]
            click.echo("\t".join(fields))


@workers.command("case")
@click.argument("case_id")
@click.option(
    "--case-store", default=None, help="sqlite:///PATH or postgresql://… [env XIETONG_CASE_STORE_URL]."
)
def case(case_id: str, case_store: str | None) -> None:
    """Show one case and its events as JSON."""
    with _open_store(case_store, existing=True) as store:
        found = store.get(case_id)
        if found is None:
            raise click.ClickException(f"no case {case_id!r} in {store.redacted_url}")
        events = [
            {
                "kind": e.kind.value,
                "at": china_time(e.at),
                "stepId": e.step_id,
                "department": e.department,
                "processInstanceKey": e.process_instance_key,
                "detail": e.detail,
            }
            for e in store.events(case_id)
        ]
    document = {
        "caseId": found.case_id,
        "status": found.status.value,
        "mechanismId": found.mechanism_id,
        "openedAt": china_time(found.opened_at),
        "closedAt": china_time(found.closed_at) if found.closed_at else None,
        "events": events,
    }
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@workers.command("due")
@click.argument("amount", type=float)
@click.argument("unit")
@click.option(
    "--from", "start", default=None, help="ISO 8601 start (default: now); local times are China time."
)
def due(amount: float, unit: str, start: str | None) -> None:
    """Print when a time limit falls due, on China's official working days.

    UNIT is workingDays, days, hours or months. Example: due 5 workingDays --from 2025-09-30T10:00
    """
    import datetime as dt

    from xietong.workers.calendar import TimeLimit, WorkingDayCalendar
    from xietong.workers.handlers.job import parse_date_time

    try:
        limit = TimeLimit.parse({"amount": amount, "unit": unit}, field="limit")
        started = (
            parse_date_time(start, lambda message: click.BadParameter(message, param_hint="--from"))
            if start
            else dt.datetime.now(dt.UTC)
        )
        counted = WorkingDayCalendar().due_date(started, limit)
        years = "、".join(str(year) for year in counted.provisional_years)
        note = f"  (暂定 provisional: {years}年放假安排未录入, statutory holidays only)" if years else ""
        click.echo(china_time(counted.at) + note)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except OverflowError:
        raise click.ClickException(f"{amount:g} {unit} from {start} falls after the year 9999") from None
