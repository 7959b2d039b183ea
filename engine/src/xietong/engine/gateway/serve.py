"""``xietong engine serve``: the engine behind Zeebe's gateway protocol and the REST API.

Command-line options override ``XIETONG_GATEWAY_*`` settings; bearer tokens come only from the
environment (``XIETONG_GATEWAY_TOKENS='["…"]'``) so they never show in a process list.
SIGTERM and SIGINT stop it cleanly: health turns NOT_SERVING, running calls get a grace period,
then the engine closes its database.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import click
import structlog
from pydantic import ValidationError

from xietong.engine.gateway.settings import GatewaySettings

log = structlog.get_logger("xietong.gateway")


async def run(settings: GatewaySettings) -> None:
    from xietong.engine import Engine
    from xietong.engine.gateway.server import Gateway, GatewayStartError, server_credentials
    from xietong.engine.state.store import StorageError

    if settings.tls_cert and settings.tls_key:
        server_credentials(settings.tls_cert, settings.tls_key)  # a bad pair: reported before anything starts
    for address, what in ((settings.address, "gRPC"), (settings.rest_address, "REST")):
        ensure_can_listen(address, what)  # a busy port: one line, and no data folder made for nothing
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GatewayStartError(
            f"{settings.data_dir}: cannot be the engine's data directory ({error.strerror})"
        ) from None
    engine = Engine(settings.data_dir)
    try:
        engine.start(loop=asyncio.get_running_loop())  # processing on the gateway's loop
    except StorageError as error:
        raise GatewayStartError(str(error)) from None
    try:
        gateway = Gateway(engine, settings)
        await gateway.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("stopping on signal")
        await gateway.stop()
    finally:
        engine.close()


def ensure_can_listen(address: str, what: str) -> None:
    """Binds and releases the address once, so a port in use is said in our words before the engine
    opens its database (grpc-core would print its own ``add_port.cc`` line and say only "Failed to bind")."""
    from xietong.engine.gateway.server import GatewayStartError, listening_socket, split_address

    if not address:
        return
    host, port = split_address(address)
    if port == 0:
        return
    try:
        listening_socket(host, port).close()
    except OSError as error:
        raise GatewayStartError(
            f"cannot listen on {address} ({what}): {error.strerror or error}; is another engine running, "
            f"or is {host} not an address of this machine?"
        ) from None


@click.command("serve")
@click.option("--address", help="gRPC host:port (default 127.0.0.1:26500).")
@click.option("--rest-address", help="REST host:port (default 127.0.0.1:8080); '' disables REST.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), help="Engine data dir.")
@click.option("--tls-cert", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="PEM cert.")
@click.option("--tls-key", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="PEM key.")
def serve(
    address: str | None,
    rest_address: str | None,
    data_dir: Path | None,
    tls_cert: Path | None,
    tls_key: Path | None,
) -> None:
    """Serve Zeebe's gRPC gateway protocol and Camunda's REST API v2 on the embedded engine."""
    given: dict[str, Any] = {
        "address": address,
        "rest_address": rest_address,
        "data_dir": data_dir,
        "tls_cert": tls_cert,
        "tls_key": tls_key,
    }
    try:
        settings = GatewaySettings(**{name: value for name, value in given.items() if value is not None})
    except ValidationError as error:  # one line per option, not pydantic's report with its links
        raise click.UsageError(
            "; ".join(
                f"--{'-'.join(str(part) for part in problem['loc']).replace('_', '-')} {problem['input']!r}: "
                f"{str(problem['msg']).removeprefix('Value error, ')}"
                for problem in error.errors(include_url=False)
            )
        ) from None
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    from xietong.engine.gateway.server import GatewayStartError

    try:
        asyncio.run(run(settings))
    except GatewayStartError as error:
        raise click.ClickException(str(error)) from None
