"""Shared helpers for the FEEL tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from xietong.feel import compile_expression, to_json

NOW = datetime(2024, 3, 15, 10, 30, tzinfo=UTC)


def run(source: str, variables: dict[str, Any] | None = None) -> Any:
    """Evaluate and return the JSON form, which is what the engine stores."""
    return to_json(compile_expression(source).evaluate(variables or {}, now=NOW))


@pytest.fixture
def feel() -> Any:
    return run
