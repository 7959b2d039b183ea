"""Context built-ins (DMN 1.5 §10.3.4.8 plus Camunda's ``context put``/``context merge``)."""

from __future__ import annotations

from typing import Any

from .registry import builtin


@builtin("get value", "m, key")
@builtin("get value", "context, key")
@builtin("get value", "context, keys")
def get_value(m: Any, key: Any) -> Any:
    if not isinstance(m, dict):
        return None
    if isinstance(key, list):
        if not key:
            return None
        cur: Any = m
        for k in key:
            if not isinstance(cur, dict) or not isinstance(k, str):
                return None
            cur = cur.get(k)
        return cur
    return m.get(key) if isinstance(key, str) else None


@builtin("get entries", "m")
@builtin("get entries", "context")
def get_entries(m: Any) -> Any:
    if not isinstance(m, dict):
        return None
    return [{"key": k, "value": v} for k, v in m.items()]


@builtin("context", "entries")
def context(entries: Any) -> Any:
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return None
    out: dict[str, Any] = {}
    for e in entries:
        if not isinstance(e, dict) or "key" not in e or "value" not in e or not isinstance(e["key"], str):
            return None
        out[e["key"]] = e["value"]  # feel-scala: a repeated key takes the last value
    return out


def _put(ctx: dict[str, Any], keys: list[Any], value: Any) -> Any:
    head = keys[0]
    if not isinstance(head, str):
        return None
    out = dict(ctx)
    if len(keys) == 1:
        out[head] = value
        return out
    inner = out.get(head)
    if not isinstance(inner, dict):
        inner = {}  # feel-scala replaces a non-context value on the path
    nested = _put(inner, keys[1:], value)
    if nested is None:
        return None
    out[head] = nested
    return out


@builtin("put", "context, key, value")  # feel-scala's deprecated name
@builtin("context put", "context, key, value")
def context_put(context: Any, key: Any, value: Any) -> Any:
    if isinstance(key, list):
        return context_put_keys(context, key, value)
    if not isinstance(context, dict) or not isinstance(key, str):
        return None
    return _put(context, [key], value)


@builtin("context put", "context, keys, value")
def context_put_keys(context: Any, keys: Any, value: Any) -> Any:
    if not isinstance(context, dict):
        return None
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list) or not keys:
        return None
    return _put(context, keys, value)


@builtin("put all", "contexts", variadic=True)  # feel-scala's deprecated name
@builtin("context merge", "contexts", variadic=True)
def context_merge(*args: Any) -> Any:
    contexts = args[0] if len(args) == 1 else list(args)
    if isinstance(contexts, dict):
        contexts = [contexts]
    if not isinstance(contexts, list):
        return None
    out: dict[str, Any] = {}
    for c in contexts:
        if not isinstance(c, dict):
            return None
        out.update(c)
    return out
