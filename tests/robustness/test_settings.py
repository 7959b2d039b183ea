"""Environment variables a settings class rejects: the variable named, its value shown, exit 2, no
traceback (`xietong/cli.py`)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.robustness.helpers import assert_no_traceback, invoke, run_cli
from xietong.cli import settings_problems
from xietong.settings import Settings


@pytest.mark.parametrize(("env", "message"), [
    ({"XIETONG_LOG_JSON": "maybe"},
     "Error: XIETONG_LOG_JSON: Input should be a valid boolean, unable to interpret input (got 'maybe')"),
    ({"XIETONG_LOG_LEVEL": "LOUD"}, "Error: XIETONG_LOG_LEVEL: unknown level 'LOUD'"),
], ids=["log-json", "log-level"])
def test_a_bad_global_setting_is_a_usage_error(env: dict[str, str], message: str) -> None:
    run = run_cli("catalog", "validate", env=env)
    assert_no_traceback(run)
    assert run.code == 2 and run.err.splitlines()[-1] == message


def test_settings_problems_name_every_field_as_an_environment_variable() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(log_json="maybe", config_dir=["a"])  # type: ignore[arg-type]
    assert sorted(settings_problems(caught.value, "XIETONG_").splitlines()) == [
        "XIETONG_CONFIG_DIR: Input is not a valid path for <class 'pathlib.Path'> (got ['a'])",
        "XIETONG_LOG_JSON: Input should be a valid boolean, unable to interpret input (got 'maybe')",
    ]


def test_a_bad_worker_setting_names_the_variable() -> None:
    run = invoke("workers", "run", "--address", "127.0.0.1:1", env={"XIETONG_WORKER_MAX_JOBS": "0"})
    assert run.code != 0 and "XIETONG_WORKER_MAX_JOBS" in run.err
