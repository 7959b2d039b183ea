"""`xietong feel …` commands."""

from __future__ import annotations

import json
import sys

import click


@click.group()
def feel() -> None:
    """Evaluate FEEL expressions as Zeebe does."""


@feel.command("eval")
@click.argument("expression")
@click.option("--vars", "variables", default="{}", help="Variables as a JSON object.")
@click.option("--now", "now_text", default=None, help="Clock for now()/today(), ISO 8601 with offset.")
def eval_(expression: str, variables: str, now_text: str | None) -> None:
    """Evaluate EXPRESSION (a leading '=' as in Zeebe models is accepted) and print the result as JSON."""
    from datetime import datetime

    from . import FeelError, FeelSyntaxError, compile_expression, to_json

    now = None
    if now_text is not None:
        try:
            now = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO 8601 date-time: {exc}", param_hint="--now") from exc
        if now.tzinfo is None:
            raise click.BadParameter("needs an offset, e.g. 2024-03-15T10:00:00+08:00", param_hint="--now")
    try:
        scope = json.loads(variables)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint="--vars") from exc
    except RecursionError:
        raise click.BadParameter("nested too deeply to read", param_hint="--vars") from None
    if not isinstance(scope, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--vars")
    source = expression[1:] if expression.startswith("=") else expression
    try:
        result = compile_expression(source).evaluate(scope, now=now)
    except FeelSyntaxError as exc:
        click.echo(f"syntax error: {exc}", err=True)
        click.echo(exc.caret(), err=True)
        sys.exit(2)
    except FeelError as exc:
        click.echo(f"evaluation error: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(to_json(result), ensure_ascii=False))


@feel.command("tck")
@click.option("--failures", is_flag=True, help="List every failing case with its reason.")
@click.argument("tck_dir", required=False, type=click.Path(exists=True, file_okay=False))
def tck(failures: bool, tck_dir: str | None) -> None:
    """Run the DMN TCK's FEEL cases (default: shared/conformance/dmn-tck) and print the report."""
    from .tck import main

    sys.exit(main([*([tck_dir] if tck_dir else []), *(["--failures"] if failures else [])]))
