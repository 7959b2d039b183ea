"""``xietong deploy``: models onto the engine or a cluster, as an operator does before ``workers run``."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import click

from xietong.settings import get_settings


@click.command("deploy")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--address", help="Gateway host:port (default: XIETONG_ZEEBE_ADDRESS or 127.0.0.1:26500).")
def deploy(paths: tuple[Path, ...], address: str | None) -> None:
    """Deploy BPMN models (default: all of bpmn/) over Zeebe's gRPC protocol.

    PATHS are model files or folders searched for .bpmn/.dmn/.form files. Connection settings
    (TLS, token) are the workers' XIETONG_ZEEBE_* variables. Unchanged models keep their version.
    """
    from xietong.workers.connection import open_channel
    from xietong.workers.deploy import DeployError, find_models, plan_calls
    from xietong.workers.deploy import deploy as deploy_models
    from xietong.workers.settings import WorkerSettings

    # the command reports a failed call itself, in one line; pyzeebe would also log it with a traceback
    logging.getLogger("pyzeebe").setLevel(logging.CRITICAL)
    settings = WorkerSettings(**({"zeebe_address": address} if address else {}))
    try:
        models = find_models(paths or (get_settings().bpmn_dir,))
        calls = plan_calls(models)
    except DeployError as error:
        raise click.UsageError(str(error)) from None

    async def run() -> list:
        channel = open_channel(settings)
        try:
            return await deploy_models(channel, calls)
        finally:
            await channel.close()

    try:
        deployed = asyncio.run(run())
    except DeployError as error:
        raise click.ClickException(f"{settings.zeebe_address}: {error}") from None
    new = sum(process.new for process in deployed)
    click.echo(
        f"deployed {len(models)} models to {settings.zeebe_address} in {len(calls)} "
        f"call{'s' if len(calls) > 1 else ''}: {new} new process versions, {len(deployed) - new} unchanged"
    )
    width = max((len(process.bpmn_process_id) for process in deployed), default=0)
    for process in deployed:
        click.echo(
            f"  {'new      ' if process.new else 'unchanged'}  {process.bpmn_process_id:{width}}  "
            f"version {process.version:<3}  key {process.process_definition_key}  {process.resource_name}"
        )
