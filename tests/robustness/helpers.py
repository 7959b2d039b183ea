"""Shared helpers for the bad-input pass: run the real CLI, snapshot trees to prove nothing was written."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from xietong.settings import PROJECT_ROOT

XIETONG = [sys.executable, "-m", "xietong"]


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
    """The installed CLI in a child process: a crash (SIGSEGV, traceback) shows as it would to a user."""
    full_env = {**os.environ, "XIETONG_LOG_LEVEL": "WARNING", **(env or {})}
    done = subprocess.run([*XIETONG, *args], capture_output=True, text=True, env=full_env,
                          cwd=PROJECT_ROOT, timeout=timeout, errors="replace")
    return Run(done.returncode, done.stdout, done.stderr)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root with its hash: equal digests before and after mean nothing was written."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.text, run.text[-2000:]
    assert run.code >= 0, f"killed by signal {-run.code}"


def invoke(*args: str, env: dict[str, str] | None = None) -> Run:
    """The same CLI in-process (fast); for inputs that cannot crash the interpreter."""
    from click.testing import CliRunner

    from xietong.cli import cli

    result = CliRunner().invoke(cli, list(args), env={"XIETONG_LOG_LEVEL": "WARNING", **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        name = type(result.exception).__name__
        raise AssertionError(f"uncaught {name}: {result.exception}\n{result.output}")
    return Run(result.exit_code, result.stdout, result.stderr)
