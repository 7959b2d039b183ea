"""`xietong engine …` commands."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def engine() -> None:
    """Run and inspect the embedded Zeebe-compatible engine."""


@engine.command()
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The engine's data directory (holds engine.db).",
)
@click.option(
    "--state",
    type=click.Choice(["ACTIVE", "COMPLETED", "TERMINATED"], case_sensitive=False),
    help="List only instances in this state.",
)
@click.option("--limit", default=50, show_default=True, help="List at most this many (newest) instances.")
@click.argument("instance", required=False)
def inspect(data_dir: Path, instance: str | None, state: str | None, limit: int) -> None:
    """List process instances, or show one INSTANCE (its key or its case id, e.g. SY-2025-0001): active
    elements, variables, incidents, record log."""
    from xietong.engine.inspect import Snapshot, find_instance, instance_detail, overview
    from xietong.engine.state.store import StorageError

    try:
        snapshot = Snapshot(data_dir)
        lines = (
            overview(snapshot, state, limit)
            if instance is None
            else instance_detail(snapshot, find_instance(snapshot, instance))
        )
    except (FileNotFoundError, KeyError, StorageError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        raise click.ClickException(str(message)) from None
    click.echo("\n".join(lines))


from xietong.engine.gateway.serve import serve  # noqa: E402  (the gateway's command, registered here)

engine.add_command(serve)
