"""How the demo speaks to a newcomer: numbered chapters, one line per thing that happened.

Printing goes to stdout (it is the demo's product); structlog lines from the engine child and the
workers go to the log files the demo names, so the story is not drowned in them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import click

CHAPTER_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮"


def pad(text: str, width: int) -> str:
    """Left-justifies ``text`` to ``width`` terminal columns: CJK characters take two."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


class Narrator:
    def __init__(self) -> None:
        self._chapter = 0

    def title(self, text: str) -> None:
        click.secho(text, bold=True)
        click.echo()

    def chapter(self, name: str, summary: str) -> None:
        mark = CHAPTER_MARKS[self._chapter] if self._chapter < len(CHAPTER_MARKS) else "•"
        self._chapter += 1
        click.echo()
        click.secho(f"{mark} {name}", bold=True, nl=False)
        click.echo(f"  {summary}")

    def line(self, text: str) -> None:
        click.echo(f"    {text}")

    def event(self, at: dt.datetime, who: str, what: str) -> None:
        click.echo(f"    [{at:%m-%d %H:%M}] {pad(who, 34)} {what}")

    def clock(self, before: dt.datetime, after: dt.datetime, why: str) -> None:
        click.secho(f"    ⏩ engine clock {before:%m-%d %H:%M} → {after:%m-%d %H:%M}: {why}", fg="cyan")

    def warn(self, text: str) -> None:
        click.secho(f"    ! {text}", fg="yellow")
