"""Shared fixtures: the real config directory, and disposable copies of it to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xietong.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
SOURCES = CONFIG / "sources"


def source_text(document: str) -> str:
    return (SOURCES / document).read_text(encoding="utf-8")


def source_line(document: str, number: int) -> str:
    return source_text(document).split("\n")[number - 1]


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A copy of the catalog (without the yongkang engineer's in-progress files) to break."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target, ignore=shutil.ignore_patterns("yongkang*"))
    return target
