"""``xietong migrate …``: moving a running county to a Camunda 8 cluster by draining the old engine.

The steps (docs/cluster.md): deploy the models to the cluster, send new cases there from a cut-over
time, keep workers on both engines, and retire the old one when ``xietong migrate status`` says
it is drained. The command reads only Camunda's REST API v2, never the engine's files.
"""

from __future__ import annotations

import datetime as dt
import json

import click
from pydantic import ValidationError

from xietong.cli import settings_problems

# Exit codes a script waiting for the drain can tell apart.
DRAINED, OPEN, LATE = 0, 3, 4


def _cutover(value: str | None) -> dt.datetime | None:
    from xietong.workers.drain import parse_time

    try:
        return parse_time(value)
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO 8601 time, got {value!r}", param_hint="--cutover"
        ) from None


@click.group()
def migrate() -> None:
    """Move a running county to a Camunda 8 cluster without losing open cases (drain)."""


@migrate.command("status")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="URL",
    help="REST API of the engine being left, e.g. http://127.0.0.1:8080 (the embedded engine).",
)
@click.option(
    "--cutover",
    default=None,
    metavar="TIME",
    help="When new cases started going to the cluster (ISO 8601); later cases here are reported.",
)
@click.option("--list", "list_cases", is_flag=True, help="Also one line per open case: where it waits.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of lines.")
@click.pass_context
def status(ctx: click.Context, source: str, cutover: str | None, list_cases: bool, as_json: bool) -> None:
    """What is still open on the old engine. Exit 0: drained, retire it; 3: cases still open;
    4: cases started after the cut-over (something still sends new cases to the old engine).

    A bearer token for the REST API is XIETONG_ZEEBE_TOKEN, as for the workers.
    """
    from xietong.workers.drain import DrainError, drain_report
    from xietong.workers.settings import WorkerSettings

    try:
        settings = WorkerSettings()
    except ValidationError as error:
        raise click.ClickException(settings_problems(error, "XIETONG_")) from None
    token = settings.zeebe_token.get_secret_value() if settings.zeebe_token else None
    try:
        report = drain_report(source, token=token, cutover=_cutover(cutover))
    except DrainError as error:
        raise click.ClickException(str(error)) from None
    code = LATE if report.late else OPEN if report.cases else DRAINED
    if as_json:
        click.echo(
            json.dumps(
                {
                    "url": report.url,
                    "open": len(report.cases),
                    "incidents": report.incidents,
                    "startedAfterCutover": [case.process_instance_key for case in report.late],
                    "byProcess": dict(sorted(report.by_process.items())),
                    "cases": [
                        {
                            "processInstanceKey": case.process_instance_key,
                            "processDefinitionId": case.process_definition_id,
                            "version": case.version,
                            "startDate": case.started.isoformat() if case.started else None,
                            "hasIncident": case.has_incident,
                            "waitingAt": list(case.waiting_at),
                        }
                        for case in report.cases
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        ctx.exit(code)
    if report.drained:
        click.echo(f"{source}: 已清空 drained — no open cases; the engine can be retired")
        ctx.exit(DRAINED)
    oldest = min((case.started for case in report.cases if case.started), default=None)
    click.echo(
        f"{source}: {len(report.cases)} 个案件未结 open cases"
        f" ({report.incidents} with incidents), oldest started {oldest.isoformat() if oldest else '?'}"
    )
    for process_id, count in sorted(report.by_process.items()):
        click.echo(f"  {count:>5}  {process_id}")
    if list_cases:
        for case in report.cases:
            started = case.started.isoformat() if case.started else "?"
            waits = "; ".join(case.waiting_at) or "-"
            flag = "  INCIDENT" if case.has_incident else ""
            click.echo(
                f"  {case.process_instance_key}\t{case.process_definition_id}\t{started}\t{waits}{flag}"
            )
    for case in report.late:
        click.echo(
            f"  started after the cut-over: {case.process_instance_key} {case.process_definition_id} "
            f"at {case.started.isoformat() if case.started else '?'}",
            err=True,
        )
    ctx.exit(code)
