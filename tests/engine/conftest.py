"""Engine test fixtures: a fresh engine per test on a pinned clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xietong.engine import Clock, Engine
from xietong.engine.testing import Harness, pinned_clock


@pytest.fixture
def clock() -> Clock:
    return pinned_clock()


@pytest.fixture
def engine(tmp_path: Path, clock: Clock) -> Iterator[Engine]:
    with Engine(tmp_path / "data", clock=clock) as e:
        yield e


@pytest.fixture
def h(engine: Engine) -> Harness:
    return Harness(engine)
