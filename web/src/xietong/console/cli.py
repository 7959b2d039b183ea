"""``xietong console``: the supervisors' board of open cases, as text or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from xietong.console.board import STATE_ORDER, read_board, read_finished
from xietong.console.views import as_json, finished_as_json, render_finished_text, render_text
from xietong.settings import get_settings
from xietong.web.department_names import department_names


class ConsoleSettings(BaseSettings):
    """Where the console reads the engine: the REST API of ``engine serve`` or of a Camunda 8.8 cluster."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_CONSOLE_", extra="ignore")

    rest_url: str = Field("http://127.0.0.1:8080", description="Base URL of the REST API (without /v2).")
    token: SecretStr | None = Field(None, description="Bearer token for the REST API, if it needs one.")
    ca: Path | None = Field(None, description="PEM file of the CA to trust for https; default: system roots.")


@click.command("console")
@click.option(
    "--rest-url",
    default=None,
    help="引擎 REST API 地址 engine REST API base URL [env XIETONG_CONSOLE_REST_URL].",
)
@click.option(
    "--case-store",
    default=None,
    help="案件库 case store: sqlite:///PATH or postgresql://… [env XIETONG_CASE_STORE_URL].",
)
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(STATE_ORDER),
    help="只列此状态的案件：incident 故障, overdue 逾期, due-soon 临期, on-time 按期, with-workers 自动办理.",
)
@click.option(
    "--finished",
    is_flag=True,
    help="改列已结束案件（已办结 COMPLETED、已撤销 TERMINATED），最近结束的在前.",
)
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="已结束案件最多列出几件 finished cases shown.",
)
@click.option(
    "--json", "as_json_output", is_flag=True, help="输出一个 JSON 文档 one JSON document instead of text."
)
def console(
    rest_url: str | None,
    case_store: str | None,
    states: tuple[str, ...],
    finished: bool,
    limit: int,
    as_json_output: bool,
) -> None:
    """在办案件：等在哪一环节、哪个部门，何时到期，督办几次，有无故障。

    Every open case: where it waits and for whom, when that falls due, 督办 sent, incidents.

    Reads the engine only through its REST API (so a Camunda 8.8 cluster works too) and the case
    store the workers keep. Most urgent first: incidents, overdue, due within 24 h, on time.
    With --finished: the latest finished cases, how and when they ended.
    """
    from xietong.console.orchestration_api import OrchestrationApi, OrchestrationApiError
    from xietong.workers.cli import _open_store

    if finished and states:
        raise click.UsageError(
            "--state 筛选在办案件，--finished 列出已结束案件，二者择一 "
            "(--state picks among open cases; --finished lists finished ones: give one)"
        )

    given: dict[str, Any] = {"rest_url": rest_url} if rest_url else {}
    settings = ConsoleSettings(**given)
    base_url = settings.rest_url.rstrip("/").removesuffix("/v2")
    token = settings.token.get_secret_value() if settings.token else None
    verify: str | bool = str(settings.ca) if settings.ca else True
    api = OrchestrationApi(base_url, token, verify)
    try:
        with _open_store(case_store, existing=True) as store, api:
            if finished:
                ended = read_finished(store, api, limit)
            else:
                rows, now = read_board(store, api)
    except OrchestrationApiError as error:
        hint = ""
        if ": 401 " in str(error) and token is None:  # a protected engine or cluster: say how to sign in
            hint = (
                "（请将 XIETONG_CONSOLE_TOKEN 设为督办人员或管理员客户端的令牌; "
                "set XIETONG_CONSOLE_TOKEN to a supervisor's or an admin client's token）"
            )
        raise click.ClickException(f"{error}{hint}") from None
    if finished:
        if as_json_output:
            click.echo(json.dumps(finished_as_json(ended), ensure_ascii=False, indent=2))
        else:
            click.echo("\n".join(render_finished_text(ended, limit)))
        return
    if states:
        rows = [row for row in rows if row.state(now) in states]
    names = department_names(get_settings().config_dir)  # as the web pages name departments
    if as_json_output:
        click.echo(json.dumps(as_json(rows, now, names), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(render_text(rows, now, names)))
