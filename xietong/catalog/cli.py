"""`xietong catalog …` commands."""

from __future__ import annotations

import click


@click.group()
def catalog() -> None:
    """The catalog: mechanisms, departments and policies from the source documents."""
