"""What the test areas share to run an engine for a fixture, and to run a tools/node client check.

``serving`` starts an engine process and always stops it: also when starting it, or what an area does
right after, fails (no engine left running behind a failed fixture), and, where a test asks, its
shutdown on SIGTERM must be clean. ``running_fixture`` makes a fixture of any such run (an engine
process, a gateway with TLS, an identity world with people and cases, an embedded engine on a pinned
clock), so that each area writes only how its own run starts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import grpc
import pytest

from xietong.engine import Engine
from xietong.engine.gateway.local_server import LocalServer
from xietong.engine.testing import pinned_clock

T = TypeVar("T")
NODE = shutil.which("node")


@contextmanager
def serving(
    server: LocalServer, *, clean_stop: bool = False, credentials: grpc.ChannelCredentials | None = None
) -> Iterator[LocalServer]:
    """``server`` started and healthy for the block, stopped (SIGTERM) after it whatever happened;
    with ``clean_stop`` the shutdown must exit 0. ``credentials`` as for ``LocalServer.start``."""
    try:
        server.start(credentials)
        yield server
    finally:
        code = server.stop()
    if clean_stop:
        assert code == 0, f"engine did not shut down cleanly on SIGTERM (exit {code}):\n{server.log(200_000)}"


def engine_server(
    tmp: Path, *, clean_stop: bool = False, env: dict[str, str] | None = None
) -> AbstractContextManager[LocalServer]:
    """An engine process (default settings but ``env``; data and log in ``tmp``) for the block."""
    return serving(LocalServer(tmp / "data", tmp / "engine.log", env=env or {}), clean_stop=clean_stop)


def pinned_engine(tmp: Path) -> Engine:
    """An embedded engine, data in ``tmp``, its clock pinned at the tests' START (open it with ``with``)."""
    return Engine(tmp, clock=pinned_clock())


def running_fixture(
    run: Callable[[Path], AbstractContextManager[T]],
    scope: Literal["session", "package", "module", "class", "function"] = "function",
) -> Any:
    """A pytest fixture, named by the attribute it is assigned to, that holds ``run(a fresh
    directory)`` open for ``scope``: ``server = running_fixture(engine_server, scope="module")``."""

    @pytest.fixture(scope=scope)
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[T]:
        with run(tmp_path_factory.mktemp("run")) as running:
            yield running

    return fixture


def node_report(script: Path, *args: str, timeout: float = 120) -> Any:
    """Runs one of tools/node's client checks (``node script args…`` in its folder) and returns the JSON
    report it prints last; a run that fails fails the test with everything it printed."""
    completed = subprocess.run(
        [NODE or "node", str(script), *args],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])
