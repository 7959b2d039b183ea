"""`xietong workers run` pointed at nothing: a clear error naming the address or the store URL,
never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.robustness.helpers import assert_no_traceback, run_cli

UNREACHABLE = "127.0.0.1:1"  # port 1 on loopback: refused at once


def workers(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    run = run_cli("workers", "run", "--address", UNREACHABLE, *args,
                  env={"XIETONG_WORKER_MAX_CONNECTION_RETRIES": "1", **(env or {})}, timeout=60)
    assert_no_traceback(run)
    return run.code, run.err.splitlines()


def test_a_store_url_with_an_unknown_scheme(tmp_path: Path) -> None:
    code, lines = workers(tmp_path, "--case-store", "bogus://x")
    assert code == 1
    assert lines == ["Error: case store bogus://x: case store URL 'bogus://x': "
                     "expected sqlite:///PATH or postgresql://…"]


def test_an_unreachable_postgres_from_the_environment(tmp_path: Path) -> None:
    code, lines = workers(tmp_path, env={"XIETONG_CASE_STORE_URL": "postgresql://u:p@127.0.0.1:1/db"})
    assert code == 1
    assert lines[0].startswith("Error: case store from XIETONG_CASE_STORE_URL: connection failed: "
                               'connection to server at "127.0.0.1", port 1 failed: Connection refused')
    assert "u:p@" not in "\n".join(lines), "the password leaked into the error"


def test_an_unreachable_gateway_gives_up_with_the_address(tmp_path: Path) -> None:
    code, lines = workers(tmp_path, "--case-store", f"sqlite:///{tmp_path / 'cases.db'}")
    assert code == 1
    assert lines[-1] == f"Error: gave up on the gateway at {UNREACHABLE} after 1 failed calls"


@pytest.mark.xfail(strict=True, reason="xietong/workers/app.py: each task type's poller logs pyzeebe's raw "
                   "'Failed to activate jobs from the gateway. Exception: ZeebeGatewayUnavailableError("
                   "grpc_error=AioRpcError(... debug_error_string=...))' repr, one per type per attempt "
                   "(11 lines before the one clear line); log one structured line per failure instead")
def test_an_unreachable_gateway_is_reported_readably(tmp_path: Path) -> None:
    _, lines = workers(tmp_path, "--case-store", f"sqlite:///{tmp_path / 'cases.db'}")
    assert not [line for line in lines if "debug_error_string" in line or "AioRpcError" in line]
