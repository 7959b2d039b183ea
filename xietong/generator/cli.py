"""`xietong bpmn …` commands."""

from __future__ import annotations

import click


@click.group()
def bpmn() -> None:
    """Generate and check the BPMN models."""
