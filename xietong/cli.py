"""The single command-line entry point: ``xietong <area> <command>``.

Each area owns its command group in its own ``cli`` module; this file only assembles them, so
adding a command never means editing another area's code.
"""

from __future__ import annotations

import importlib
import sys

import click
from pydantic import ValidationError

from xietong.logging import configure_logging
from xietong.settings import get_settings

# (module, attribute): every area's click group, imported lazily so one area's heavy imports
# (gRPC, lxml) do not slow another's commands.
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "catalog": ("xietong.catalog.cli", "catalog"),
    "bpmn": ("xietong.generator.cli", "bpmn"),
    "feel": ("xietong.engine.feel.cli", "feel"),
    "engine": ("xietong.engine.cli", "engine"),
    "workers": ("xietong.workers.cli", "workers"),
    "deploy": ("xietong.workers.deploy_cli", "deploy"),
    "console": ("xietong.console.cli", "console"),
    "demo": ("xietong.demo.cli", "demo"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*COMMAND_GROUPS, *super().list_commands(ctx)])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMAND_GROUPS:
            module_name, attribute = COMMAND_GROUPS[cmd_name]
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="xietong")
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
