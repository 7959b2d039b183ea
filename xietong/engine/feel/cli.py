"""`xietong feel …` commands."""

from __future__ import annotations

import click


@click.group()
def feel() -> None:
    """Evaluate FEEL expressions as Zeebe does."""
