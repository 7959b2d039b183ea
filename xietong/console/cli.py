"""``xietong console``: the supervisors' board of open cases, as text or JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from xietong.console.board import STATE_ORDER, BoardRow, build_board
from xietong.workers.calendar import CHINA

MAX_OPEN_CASES = 100_000


class ConsoleSettings(BaseSettings):
    """Where the console reads the engine: the REST API of ``engine serve`` or of a Camunda 8.8 cluster."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_CONSOLE_", extra="ignore")

    rest_url: str = Field("http://127.0.0.1:8080", description="Base URL of the REST API (without /v2).")
    token: SecretStr | None = Field(None, description="Bearer token for the REST API, if it needs one.")
    ca: Path | None = Field(None, description="PEM file of the CA to trust for https; default: system roots.")


def _short(at: dt.datetime | None) -> str:
    return at.astimezone(CHINA).strftime("%m-%d %H:%M") if at else "—"


def _lateness(due: dt.datetime, now: dt.datetime) -> str:
    late = now - due
    if late.total_seconds() <= 0:
        return ""
    hours = int(late.total_seconds() // 3600)
    return f" (overdue {hours // 24} d {hours % 24} h)" if hours >= 24 else f" (overdue {hours} h)"


def render_text(rows: list[BoardRow], now: dt.datetime) -> list[str]:
    counts = {state: sum(row.state(now) == state for row in rows) for state in STATE_ORDER}
    shown = ", ".join(f"{count} {state}" for state, count in counts.items() if count)
    lines = [
        f"open cases at {now.astimezone(CHINA):%Y-%m-%d %H:%M} (Asia/Shanghai, engine clock): "
        f"{len(rows)}{' — ' + shown if shown else ''}"
    ]
    for row in rows:
        case = row.summary.case
        urged = f"  督办 ×{row.summary.supervised}" if row.summary.supervised else ""
        escalated = f"  升级 ×{row.summary.escalated}" if row.summary.escalated else ""
        lines.append(
            f"{case.case_id}  [{row.state(now)}]  {case.mechanism_id}  opened {_short(case.opened_at)}"
            f"{urged}{escalated}"
        )
        for step in row.waiting:
            due = f"due {_short(step.due)}{_lateness(step.due, now)}" if step.due else "no time limit"
            lines.append(f"    waits at 「{step.name}」  {'、'.join(step.departments) or '—'}  {due}")
        for incident in row.incidents:
            lines.append(f"    incident at {incident.element_id}: {incident.error_type}: {incident.message}")
        if not row.waiting and not row.incidents:
            lines.append("    no user task open: the workers, a timer or a message move it next")
    return lines


def as_json(rows: list[BoardRow], now: dt.datetime) -> dict[str, Any]:
    def time(at: dt.datetime | None) -> str | None:
        return at.isoformat() if at else None

    return {
        "now": time(now),
        "cases": [
            {
                "caseId": row.case_id,
                "state": row.state(now),
                "mechanismId": row.summary.case.mechanism_id,
                "processInstanceKey": row.summary.case.process_instance_key,
                "openedAt": time(row.summary.case.opened_at),
                "supervised": row.summary.supervised,
                "escalated": row.summary.escalated,
                "waiting": [
                    {
                        "elementId": step.element_id,
                        "name": step.name,
                        "departments": list(step.departments),
                        "since": time(step.since),
                        "due": time(step.due),
                    }
                    for step in row.waiting
                ],
                "incidents": [
                    {"elementId": i.element_id, "errorType": i.error_type, "message": i.message}
                    for i in row.incidents
                ],
            }
            for row in rows
        ],
    }


@click.command("console")
@click.option("--rest-url", default=None, help="Engine REST API base URL [env XIETONG_CONSOLE_REST_URL].")
@click.option(
    "--case-store", default=None, help="sqlite:///PATH or postgresql://… [env XIETONG_CASE_STORE_URL]."
)
@click.option(
    "--state", "states", multiple=True, type=click.Choice(STATE_ORDER), help="Only cases in this state."
)
@click.option("--json", "as_json_output", is_flag=True, help="One JSON document instead of text.")
def console(
    rest_url: str | None, case_store: str | None, states: tuple[str, ...], as_json_output: bool
) -> None:
    """Every open case: where it waits and for whom, when that falls due, 督办 sent, incidents.

    Reads the engine only through its REST API (so a Camunda 8.8 cluster works too) and the case
    store the workers keep. Most urgent first: incidents, overdue, due within 24 h, on time.
    """
    from xietong.console.orchestration_api import OrchestrationApi, OrchestrationApiError
    from xietong.workers.case_store import CaseStatus
    from xietong.workers.cli import _open_store

    settings = ConsoleSettings(**({"rest_url": rest_url} if rest_url else {}))
    base_url = settings.rest_url.rstrip("/").removesuffix("/v2")
    token = settings.token.get_secret_value() if settings.token else None
    verify: str | bool = str(settings.ca) if settings.ca else True
    with _open_store(case_store) as store:
        summaries = store.summaries(status=CaseStatus.OPEN, limit=MAX_OPEN_CASES)
        events = {summary.case.case_id: store.events(summary.case.case_id) for summary in summaries}
    try:
        with OrchestrationApi(base_url, token, verify) as api:
            now = api.now()
            user_tasks = api.open_user_tasks()
            incidents = api.active_incidents()
    except OrchestrationApiError as error:
        raise click.ClickException(str(error)) from None
    rows = build_board(summaries, events, user_tasks, incidents, now)
    if states:
        rows = [row for row in rows if row.state(now) in states]
    if as_json_output:
        click.echo(json.dumps(as_json(rows, now), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(render_text(rows, now)))
