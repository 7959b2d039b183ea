"""`xietong workers run|due|cases` pointed at nothing or fed nonsense: a clear error naming the
address, the store URL or the option, never a traceback."""

from __future__ import annotations

from pathlib import Path

from tests.robustness.helpers import assert_no_traceback, invoke, run_cli

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


def test_an_unreachable_gateway_is_reported_readably(tmp_path: Path) -> None:
    _, lines = workers(tmp_path, "--case-store", f"sqlite:///{tmp_path / 'cases.db'}")
    assert not [line for line in lines if "debug_error_string" in line or "AioRpcError" in line]


# -- the read-only commands -------------------------------------------------------------------------


def test_due_with_an_unknown_unit() -> None:
    run = invoke("workers", "due", "5", "fortnights")
    assert (run.code, run.err) == (
        1, "Error: limit.unit: expected one of workingDays, days, hours, months; got 'fortnights'\n")


def test_due_from_something_that_is_not_a_date() -> None:
    run = invoke("workers", "due", "5", "days", "--from", "yesterday")
    assert run.code == 2 and "Invalid value for --from: not an ISO 8601 date-time: 'yesterday'" in run.err


def test_due_beyond_the_official_calendar_says_which_year() -> None:
    # Years after the data are counted provisionally on the statute; the end of what the statute can
    # be computed for (2099) is an error naming the next year.
    run = invoke("workers", "due", "99999999", "workingDays", "--from", "2025-09-30T10:00")
    assert run.code == 1
    assert "Error: the official working-day calendar for 2100 is not available" in run.err


def test_due_past_the_end_of_time() -> None:
    run = invoke("workers", "due", "5", "hours", "--from", "9999-12-31T23:00")
    assert run.code == 1 and run.err.startswith("Error: ")


def test_cases_from_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    path.write_bytes(b"not a database\n" * 100)
    run = invoke("workers", "cases", "--case-store", f"sqlite:///{path}")
    assert (run.code, run.err) == (1, f"Error: case store sqlite:///{path}: file is not a database\n")


def test_cases_from_a_store_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "cases.db"
    run = invoke("workers", "cases", "--case-store", f"sqlite:///{path}")
    assert not path.exists(), "a read-only command created a case store"
    assert run.code == 1 and str(path) in run.err
