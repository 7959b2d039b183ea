"""One protected engine with the web pages and the workers for the browser tests; Debian's chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.world import World, build_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/web/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if not Path(CHROMIUM).exists() or shutil.which("openssl") is None:
        pytest.skip("needs Debian's chromium and openssl (scripts/test installs them)")
    running = build_world(tmp_path_factory.mktemp("web"))
    try:
        yield running
    finally:
        code = running.stop()
    assert code == 0, f"engine did not stop cleanly:\n{running.server.log(20_000)}"


SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "web-screenshots"


@pytest.fixture(scope="session")
def shots() -> Path:
    """This suite's output folder: a screenshot of every page the tests pass through."""
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture
def output_path(shots: Path) -> Path:
    """Overrides pytest-playwright's per-test folder, which it deletes for tests that pass."""
    return shots


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """1366×768, China's language and time zone; the engine's self-signed certificate is trusted."""
    return {
        **browser_context_args,
        "viewport": {"width": 1366, "height": 768},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "ignore_https_errors": True,
    }
