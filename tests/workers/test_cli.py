"""The ``workers`` command group: reading the case store and computing due dates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xietong.workers.calendar import CHINA
from xietong.workers.case_store import CaseStore, EventKind, Source
from xietong.workers.cli import workers

AT = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)


def filled_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    with CaseStore(url) as store:
        source = Source(1, 42, "wuyi_case_transfer", "wuyi_case_transfer", "register", "武义县综合行政执法局")
        store.register("WY-1", "wuyi_case_transfer", source, AT, {})
        store.register("WY-2", "wuyi_case_transfer", Source(2), AT + dt.timedelta(hours=1), {})
        store.record("WY-1", EventKind.SUPERVISED, Source(3, step_id="transfer"), AT, {"level": 1})
        store.archive("WY-2", Source(4), AT + dt.timedelta(days=1), {})
    return url


def test_cases_lists_open_ones_for_supervisors(tmp_path: Path) -> None:
    url = filled_store(tmp_path)
    result = CliRunner().invoke(workers, ["cases", "--status", "open", "--case-store", url])
    assert result.exit_code == 0, result.output
    case = ["WY-1", "open", "wuyi_case_transfer", "2025-09-30T10:00:00+08:00", "-"]
    supervision = ["2", "1", "0", "supervised@2025-09-30T10:00:00+08:00"]  # events, 督办, escalations, last
    assert result.output.splitlines() == ["\t".join([*case, *supervision])]
    everything = CliRunner().invoke(workers, ["cases", "--case-store", url])
    assert [line.split("\t")[:2] for line in everything.output.splitlines()] == [
        ["WY-1", "open"],
        ["WY-2", "archived"],
    ]


def test_case_shows_the_events_as_json(tmp_path: Path) -> None:
    url = filled_store(tmp_path)
    result = CliRunner().invoke(workers, ["case", "WY-1", "--case-store", url])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["status"] == "open"
    assert document["openedAt"] == "2025-09-30T10:00:00+08:00"
    assert [e["kind"] for e in document["events"]] == ["registered", "supervised"]
    assert document["events"][0]["department"] == "武义县综合行政执法局"
    missing = CliRunner().invoke(workers, ["case", "WY-404", "--case-store", url])
    assert missing.exit_code == 1
    assert "no case 'WY-404'" in missing.output


def test_due_prints_the_due_date_or_a_clear_error() -> None:
    ok = CliRunner().invoke(workers, ["due", "3", "workingDays", "--from", "2025-09-30T10:00"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip() == "2025-10-11T23:59:59+08:00"
    bad_unit = CliRunner().invoke(workers, ["due", "3", "weeks"])
    assert bad_unit.exit_code == 1
    assert "limit.unit" in bad_unit.output
    no_data = CliRunner().invoke(workers, ["due", "1", "workingDays", "--from", "2100-01-05T09:00+08:00"])
    assert no_data.exit_code == 1
    assert "2100" in no_data.output
    provisional = CliRunner().invoke(workers, ["due", "10", "workingDays", "--from", "2026-12-20T10:00"])
    assert provisional.exit_code == 0, provisional.output
    answer = provisional.output.splitlines()[-1]  # after the once-per-year warning, if logged here
    assert answer.startswith("2027-01-04T23:59:59+08:00  (暂定 provisional: 2027年放假安排未录入")


def test_a_bad_case_store_is_a_one_line_error() -> None:
    wrong_scheme = CliRunner().invoke(workers, ["cases", "--case-store", "mysql://db/cases"])
    assert wrong_scheme.exit_code == 1
    assert "expected sqlite:///PATH or postgresql://" in wrong_scheme.output
    unreachable = CliRunner().invoke(
        workers, ["cases", "--case-store", "postgresql://xt:s3cret@127.0.0.1:1/cases"]
    )
    assert unreachable.exit_code == 1
    assert "postgresql://xt:***@127.0.0.1:1/cases" in unreachable.output
    assert "s3cret" not in unreachable.output


def test_run_reports_bad_settings_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XIETONG_ZEEBE_TLS_CA", "/nonexistent/ca.pem")
    result = CliRunner().invoke(workers, ["run"])
    assert result.exit_code == 1
    assert "XIETONG_ZEEBE_TLS_CA: no such file '/nonexistent/ca.pem'" in result.output


def test_run_with_a_broken_calendar_supplement_is_one_line_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "china.yaml"
    broken.write_text("years:\n  2099:\n    bad: [\n", encoding="utf-8")
    result = CliRunner().invoke(
        workers,
        ["run", "--address", "127.0.0.1:1", "--case-store", f"sqlite:///{tmp_path / 'c.db'}"],
        env={"XIETONG_CALENDAR_SUPPLEMENTS": str(broken)},
    )
    assert result.exit_code == 1
    assert f"Error: {broken}:4: malformed YAML" in result.output
    assert "Traceback" not in result.output
