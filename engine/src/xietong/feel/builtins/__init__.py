"""FEEL built-in functions, one module per group as the DMN spec groups them."""

from __future__ import annotations

from . import (  # noqa: F401  (importing registers the functions)
    boolean,
    context,
    conversion,
    jsonfns,
    listfns,
    numeric,
    rangefns,
    stringfns,
    temporalfns,
)
from .registry import BUILTINS, OMIT, builtin

__all__ = ["BUILTINS", "OMIT", "builtin"]
