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
def eval_(expression: str, variables: str) -> None:
    """Evaluate EXPRESSION (a leading '=' as in Zeebe models is accepted) and print the result as JSON."""
    from . import FeelError, FeelSyntaxError, compile_expression, to_json

    try:
        scope = json.loads(variables)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint="--vars") from exc
    if not isinstance(scope, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--vars")
    source = expression[1:] if expression.startswith("=") else expression
    try:
        result = compile_expression(source).evaluate(scope)
    except FeelSyntaxError as exc:
        click.echo(f"syntax error: {exc}", err=True)
        click.echo(exc.caret(), err=True)
        sys.exit(2)
    except FeelError as exc:
        click.echo(f"evaluation error: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(to_json(result), ensure_ascii=False))
