"""`xietong feel eval`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from xietong.feel.cli import feel


def test_eval_prints_json_result() -> None:
    result = CliRunner().invoke(feel, ["eval", "=count(xs) + 1", "--vars", json.dumps({"xs": [1, 2]})])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == 3


def test_eval_syntax_error_shows_caret() -> None:
    result = CliRunner().invoke(feel, ["eval", "1 + (2 *"])
    assert result.exit_code == 2
    assert "line 1, column 9" in result.output
    assert result.output.rstrip("\n").endswith("        ^")


def test_eval_rejects_bad_vars() -> None:
    result = CliRunner().invoke(feel, ["eval", "1", "--vars", "[1]"])
    assert result.exit_code != 0
    assert "--vars" in result.output


def test_eval_with_pinned_clock() -> None:
    result = CliRunner().invoke(feel, ["eval", 'now() + duration("P1D")', "--now", "2024-03-15T10:00:00Z"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == "2024-03-16T10:00:00Z"


def test_eval_rejects_clock_without_offset() -> None:
    result = CliRunner().invoke(feel, ["eval", "now()", "--now", "2024-03-15T10:00:00"])
    assert result.exit_code != 0
    assert "--now" in result.output
