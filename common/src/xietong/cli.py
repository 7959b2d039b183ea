"""The single command-line entry point: ``xietong <area> <command>``.

Each area owns its command group in its own ``cli`` module; this file only assembles them, so
adding a command never means editing another area's code.
"""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint, entry_points

import click
from pydantic import ValidationError

from xietong.logging import configure_logging
from xietong.settings import get_settings

COMMAND_GROUP = "xietong.commands"


def command_entry_points() -> dict[str, EntryPoint]:
    """Each installed component names its click group under ``xietong.commands`` in its pyproject,
    so a workers-only install has ``xietong workers`` and nothing that needs the engine."""
    return {ep.name: ep for ep in entry_points(group=COMMAND_GROUP)}


class LazyGroup(click.Group):
    """Imports an area's commands only when asked, so one area's heavy imports (gRPC, lxml) do not
    slow another's commands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*command_entry_points(), *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry_point = command_entry_points().get(cmd_name)
        if entry_point is not None:
            command = entry_point.load()
            assert isinstance(command, click.Command), f"{entry_point.value} is not a click command"
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="xietong-common")
def cli() -> None:
    """xietong (协同): coordination mechanisms as executable BPMN processes."""
    try:
        settings = get_settings()
        configure_logging(settings.log_level, settings.log_json)
    except ValidationError as exc:
        raise click.UsageError(settings_problems(exc, "XIETONG_")) from exc
    except ValueError as exc:  # configure_logging names the variable itself
        raise click.UsageError(str(exc)) from exc


def settings_problems(exc: ValidationError, prefix: str | None = None) -> str:
    """One line per bad setting, named as the operator set it: ``XIETONG_LOG_JSON: … (got 'maybe')``."""
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        name = f"{prefix}{field.upper()}" if prefix is not None else f"{exc.title}.{field}"
        got = f" (got {error['input']!r})" if not isinstance(error.get("input"), dict) else ""
        lines.append(f"{name}: {error['msg'].removeprefix('Value error, ')}{got}")
    return "\n".join(lines)


def main() -> None:
    """The console script: a settings class rejecting the environment is one line, not a traceback."""
    try:
        cli()
    except ValidationError as exc:  # click lets non-click exceptions through, even in standalone mode
        if not exc.title.endswith("Settings"):
            raise
        click.echo(f"Error: configuration: {settings_problems(exc)}", err=True)
        sys.exit(2)
