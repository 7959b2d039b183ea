"""`xietong engine inspect --data` on places that hold no engine: one line naming the path, the
files left as they were."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.robustness.helpers import invoke, tree_digest


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


def test_an_instance_key_that_is_not_a_number(tmp_path: Path) -> None:
    run = invoke("engine", "inspect", "--data", str(tmp_path), "abc")
    assert run.code == 2 and "Invalid value for '[INSTANCE]': 'abc' is not a valid integer." in run.err


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"this is not an engine database\n" * 10)


def _other_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text TEXT)")


@pytest.mark.xfail(strict=True, reason="xietong/engine/cli.py inspect catches only FileNotFoundError and "
                   "KeyError: an engine.db that is not SQLite, or SQLite without the engine's tables, "
                   "ends in a sqlite3.DatabaseError/OperationalError traceback from "
                   "xietong/engine/inspect.py Snapshot")
@pytest.mark.parametrize("make", [_not_sqlite, _other_sqlite], ids=["not-sqlite", "other-sqlite"])
def test_an_engine_db_that_is_not_an_engines(tmp_path: Path, make: object) -> None:
    make(tmp_path / "engine.db")  # type: ignore[operator]
    before = tree_digest(tmp_path)
    try:
        run = invoke("engine", "inspect", "--data", str(tmp_path))
    finally:
        assert tree_digest(tmp_path) == before, "inspect modified the file"
    assert run.code == 1 and str(tmp_path / "engine.db") in run.err and len(run.err.splitlines()) == 1
