"""Answering a command's future once its outcome is committed; a client that gave up is not an error."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any


def resolve_future(future: Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def fail_future(future: Future[Any], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
