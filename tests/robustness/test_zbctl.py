"""A real Zeebe client (zbctl, the Go CLI from npm) sending bad input: the engine's refusal reaches
the operator intact, naming the file, the process id or the job key."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from xietong.engine.gateway.local_server import LocalServer
from xietong.settings import PROJECT_ROOT

ZBCTL = PROJECT_ROOT / "tools/node/node_modules/.bin/zbctl-cli.linux"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not ZBCTL.exists(), reason="zbctl not installed (npm install in tools/node)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    root = tmp_path_factory.mktemp("robust-zbctl")
    with LocalServer(root / "data", root / "engine.log") as running:
        yield running


def zbctl(server: LocalServer, *args: str) -> tuple[int, str]:
    done = subprocess.run([str(ZBCTL), "--insecure", "--address", server.address, *args],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, (done.stdout + done.stderr).strip()


def test_deploying_junk_names_the_file_and_line(server: LocalServer, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bpmn"
    junk.write_bytes(b"junk")
    code, text = zbctl(server, "deploy", "resource", str(junk))
    assert code == 1
    assert text.splitlines() == [
        "Error: rpc error: code = InvalidArgument desc = Command 'CREATE' rejected with code "
        "'INVALID_ARGUMENT': Expected to deploy new resources, but encountered the following errors:",
        f"'{junk}': line 1: not well-formed XML: Start tag expected, '<' not found, line 1, column 1",
    ]


def test_an_unknown_process_and_an_unknown_job(server: LocalServer) -> None:
    assert zbctl(server, "create", "instance", "robust_nope") == (
        1, "Error: rpc error: code = NotFound desc = Command 'CREATE' rejected with code 'NOT_FOUND': "
           "Expected to find process definition with process ID 'robust_nope', but none found")
    assert zbctl(server, "complete", "job", "123") == (
        1, "Error: rpc error: code = NotFound desc = Command 'COMPLETE' rejected with code 'NOT_FOUND': "
           "Expected to complete job with key '123', but no such job was found")
