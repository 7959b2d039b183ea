"""`xietong demo`: the README's main job."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from xietong.logging import configure_logging
from xietong.settings import get_settings


@click.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the engine data, its log and the case store go (default: a new temporary folder, kept).",
)
@click.option(
    "--serve", is_flag=True, help="Keep the engine, workers and web pages running after it (Ctrl-C stops)."
)
def demo(data_dir: Path | None, serve: bool) -> None:
    """Run one joint-enforcement case end to end on the embedded engine and say what happened."""
    from xietong.catalog.loader import CatalogInvalid
    from xietong.demo.narrator import Narrator
    from xietong.demo.story import JointEnforcementStory, StoryFailed, StoryPaths

    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="xietong-demo-"))
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot use --data {data_dir}: {exc.strerror or exc}") from exc
    settings = get_settings()
    paths = StoryPaths(data_dir)
    # The story is the output; the workers' structured log goes to a file the story names.
    with paths.workers_log.open("a", encoding="utf-8") as log_file:
        configure_logging(settings.log_level, settings.log_json, file=log_file)
        try:
            JointEnforcementStory(settings, paths, Narrator(), serve=serve).run()
        except StoryFailed as failure:
            raise click.ClickException(str(failure)) from failure
        except CatalogInvalid as invalid:  # the same lines and exit code as `xietong catalog validate`
            for error in invalid.errors:
                click.echo(str(error), err=True)
            click.echo(f"catalog invalid: {len(invalid.errors)} error(s); run `xietong catalog validate`",
                       err=True)
            raise SystemExit(2) from invalid
