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
@click.argument("instance", required=False, type=int)
def inspect(data_dir: Path, instance: int | None, state: str | None, limit: int) -> None:
    """List process instances, or show one INSTANCE: active elements, variables, incidents, record log."""
    from xietong.engine.inspect import Snapshot, instance_detail, overview
    from xietong.engine.state.store import StorageError

    try:
        snapshot = Snapshot(data_dir)
        lines = overview(snapshot, state, limit) if instance is None else instance_detail(snapshot, instance)
    except (FileNotFoundError, KeyError, StorageError) as err:
        raise click.ClickException(str(err).strip("'\"")) from None
    click.echo("\n".join(lines))


from xietong.engine.gateway.serve import serve  # noqa: E402  (the gateway's command, registered here)

engine.add_command(serve)
