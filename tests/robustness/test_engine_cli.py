"""`xietong engine inspect --data` on places that hold no engine, and `engine serve` that cannot start:
one line naming the path, port or file; the files left as they were."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from tests.robustness.helpers import Run, assert_no_traceback, invoke, run_cli, tree_digest
from xietong.engine.gateway.local_server import free_port
from xietong.engine.state.store import Store


def test_a_missing_directory(tmp_path: Path) -> None:
    run = invoke("engine", "inspect", "--data", str(tmp_path / "nope"))
    assert run.code == 1
    assert run.err == f"Error: {tmp_path / 'nope' / 'engine.db'}: no engine data here (expected engine.db)\n"
    assert not (tmp_path / "nope").exists()


def test_a_directory_without_engine_data(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    run = invoke("engine", "inspect", "--data", str(tmp_path))
    assert run.code == 1
    assert run.err == f"Error: {tmp_path / 'engine.db'}: no engine data here (expected engine.db)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_file_instead_of_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "engine.db"
    path.write_text("junk", encoding="utf-8")
    run = invoke("engine", "inspect", "--data", str(path))
    assert run.code == 2 and f"Invalid value for '--data': Directory '{path}' is a file." in run.err


def test_an_instance_that_is_neither_a_key_nor_a_case_id(tmp_path: Path) -> None:
    Store(tmp_path / "engine.db").close()
    run = invoke("engine", "inspect", "--data", str(tmp_path), "abc")
    assert run.code == 1 and run.err == "Error: no process instance with key or case id 'abc'\n"


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"this is not an engine database\n" * 10)


def _other_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text TEXT)")


@pytest.mark.parametrize("make", [_not_sqlite, _other_sqlite], ids=["not-sqlite", "other-sqlite"])
def test_an_engine_db_that_is_not_an_engines(tmp_path: Path, make: object) -> None:
    make(tmp_path / "engine.db")  # type: ignore[operator]
    before = tree_digest(tmp_path)
    try:
        run = invoke("engine", "inspect", "--data", str(tmp_path))
    finally:
        assert tree_digest(tmp_path) == before, "inspect modified the file"
    assert run.code == 1 and str(tmp_path / "engine.db") in run.err and len(run.err.splitlines()) == 1


# -- engine serve ------------------------------------------------------------------------------------


def serve(*args: str) -> Run:
    """``engine serve`` that must refuse to start: it exits by itself, well inside the timeout."""
    port = free_port()
    run = run_cli("engine", "serve", "--address", f"127.0.0.1:{port}", "--rest-address", "", *args,
                  timeout=60)
    assert run.code != 0, f"the engine started:\n{run.text[-2000:]}"
    return run


def test_serve_on_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = run_cli("engine", "serve", "--address", f"127.0.0.1:{port}", "--rest-address", "",
                      "--data", str(tmp_path / "data"), timeout=60)
    assert_no_traceback(run)
    assert run.code == 1
    # one line of ours (no grpc-core add_port.cc line), and no data folder made for an engine that never ran
    assert run.err == (
        f"Error: cannot listen on 127.0.0.1:{port} (gRPC): Address already in use; is another engine "
        "running, or is 127.0.0.1 not an address of this machine?\n"
    )
    assert not (tmp_path / "data").exists()


def test_serve_with_an_address_that_is_not_host_port(tmp_path: Path) -> None:
    run = run_cli("engine", "serve", "--address", "garbage", "--data", str(tmp_path / "d"), timeout=60)
    assert_no_traceback(run)
    assert run.code == 2
    assert "expected host:port such as 127.0.0.1:26500, got 'garbage'" in run.err
    error_lines = [line for line in run.err.splitlines() if line.startswith("Error:")]
    assert error_lines == [
        "Error: --address 'garbage': expected host:port such as 127.0.0.1:26500, got 'garbage'"
    ]  # one line naming the option, not pydantic's report
    assert "pydantic" not in run.err and "validation error" not in run.err


@pytest.mark.parametrize("case", ["data-under-a-file", "not-an-engine-db"])
def test_serve_with_unusable_data(tmp_path: Path, case: str) -> None:
    if case == "data-under-a-file":
        (tmp_path / "afile").write_text("x", encoding="utf-8")
        data = tmp_path / "afile" / "sub"
    else:
        data = tmp_path / "data"
        data.mkdir()
        _not_sqlite(data / "engine.db")
    run = serve("--data", str(data))
    assert_no_traceback(run)
    assert str(data) in run.err.splitlines()[-1]


def test_serve_with_a_certificate_that_is_not_pem(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate", encoding="utf-8")
    run = serve("--data", str(tmp_path / "d"), "--tls-cert", str(junk), "--tls-key", str(junk))
    assert_no_traceback(run)
    assert "port is in use" not in run.err and str(junk) in run.err
