"""`xietong engine …` commands."""

from __future__ import annotations

import click


@click.group()
def engine() -> None:
    """Run and inspect the embedded Zeebe-compatible engine."""
