"""``xietong web``: the web pages on their own, against any Camunda 8.8 REST API.

``xietong engine serve`` already serves them next to ``/v2``; this command is for a cluster (or an
engine on another machine): ``xietong web --address 0.0.0.0:8090 --api https://cluster:8080``.
"""

from __future__ import annotations

from typing import Any

import click


@click.command("web")
@click.option(
    "--address", default=None, help="host:port to listen on [env XIETONG_WEB_ADDRESS, 127.0.0.1:8090]."
)
@click.option("--api", default=None, help="REST API base URL, without /v2 [env XIETONG_WEB_API].")
def web(address: str | None, api: str | None) -> None:
    """Serve the clerks' task list and the supervisors' case console (REST v2 only)."""
    import uvicorn

    from xietong.web.app import create_app
    from xietong.web.settings import WebSettings

    given: dict[str, Any] = {"address": address, "api": api}
    try:
        settings = WebSettings(**{k: v for k, v in given.items() if v is not None})
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    host, _, port = settings.address.rpartition(":")
    if not host or not port.isdigit():
        raise click.UsageError(f"--address {settings.address!r}: expected host:port, e.g. 127.0.0.1:8090")
    click.echo(f"网页：http://{host}:{port}/  （REST API：{settings.api}）", err=True)
    uvicorn.run(
        create_app(settings), host=host.strip("[]"), port=int(port), log_config=None, access_log=False
    )
