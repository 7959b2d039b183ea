"""``xietong deploy``: models onto the engine or a cluster, as an operator does before ``workers run``."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import click

from xietong.settings import get_settings


@click.command("deploy")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--address", help="Gateway host:port (default: XIETONG_ZEEBE_ADDRESS or 127.0.0.1:26500).")
def deploy(paths: tuple[Path, ...], address: str | None) -> None:
    """Deploy BPMN models and their forms (default: all of bpmn/) over Zeebe's gRPC protocol.

    PATHS are model files or folders searched for .bpmn/.dmn/.form files; a model goes with the
    forms its user tasks link. Connection settings (TLS, token) are the workers' XIETONG_ZEEBE_*
    variables. Unchanged models and forms keep their version.
    """
    from xietong.workers.connection import open_channel
    from xietong.workers.deploy import DeployedForm, DeployedProcess, DeployError, find_models, plan_calls
    from xietong.workers.deploy import deploy as deploy_models
    from xietong.workers.settings import WorkerSettings

    # the command reports a failed call itself, in one line; pyzeebe would also log it with a traceback
    logging.getLogger("pyzeebe").setLevel(logging.CRITICAL)
    given: dict[str, Any] = {"zeebe_address": address} if address else {}
    settings = WorkerSettings(**given)
    try:
        models = find_models(paths or (get_settings().bpmn_dir,))
        calls = plan_calls(models)
    except DeployError as error:
        raise click.UsageError(str(error)) from None

    async def run() -> list[DeployedProcess | DeployedForm]:
        channel = open_channel(settings)
        try:
            return await deploy_models(channel, calls)
        finally:
            await channel.close()

    try:
        deployed = asyncio.run(run())
    except DeployError as error:
        raise click.ClickException(f"{settings.zeebe_address}: {error}") from None
    processes = [d for d in deployed if isinstance(d, DeployedProcess)]
    forms = [d for d in deployed if isinstance(d, DeployedForm)]
    new = sum(process.new for process in processes)
    files = len({model.path for model in models if model.path.suffix != ".form"})  # forms go with them
    click.echo(
        f"deployed {files} model{'s' if files != 1 else ''} to {settings.zeebe_address} in {len(calls)} "
        f"call{'s' if len(calls) > 1 else ''}: {new} new process versions, {len(processes) - new} unchanged; "
        f"{sum(f.new for f in forms)} new form versions, {sum(not f.new for f in forms)} unchanged"
    )
    width = max((len(process.bpmn_process_id) for process in processes), default=0)
    for process in processes:
        click.echo(
            f"  {'new      ' if process.new else 'unchanged'}  {process.bpmn_process_id:{width}}  "
            f"version {process.version:<3}  key {process.process_definition_key}  {process.resource_name}"
        )
    shown: set[tuple[str, int]] = set()  # a form two calls carried is listed once
    for form in forms:
        if (form.form_id, form.version) in shown:
            continue
        shown.add((form.form_id, form.version))
        click.echo(
            f"  {'new      ' if form.new else 'unchanged'}  form {form.form_id}  version {form.version:<3}  "
            f"key {form.form_key}  {form.resource_name}"
        )
