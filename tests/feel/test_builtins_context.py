"""Context built-ins and Camunda's boolean/null helpers."""

from __future__ import annotations

import pytest

from xietong.feel import FeelEvaluationError, evaluate

from .conftest import run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('get value({a: 1}, "a")', 1),
        ('get value({a: 1}, "b")', None),
        ('get value({a: {b: 2}}, ["a", "b"])', 2),
        ("get entries({a: 1, b: 2})", [{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
        ('context([{key: "a", value: 1}, {key: "b", value: 2}])', {"a": 1, "b": 2}),
        ('context([{key: "a", value: 1}, {key: "a", value: 2}])', {"a": 2}),  # feel-scala: last one wins
        ("context merge({a: 1}, {b: 2})", {"a": 1, "b": 2}),
        ('context put({x: 1, y: 2}, ["y", "z"], 3)', {"x": 1, "y": {"z": 3}}),
        ('get value(context: {a: 1}, key: "a")', 1),
        ('from base64("RkVFTA==")', "FEEL"),
        ('context put({a: 1}, "b", 2)', {"a": 1, "b": 2}),
        ('context put({a: {b: 1}}, ["a", "c"], 2)', {"a": {"b": 1, "c": 2}}),
        ("context merge([{a: 1}, {b: 2}, {a: 3}])", {"a": 3, "b": 2}),
        ("{a: 1}.a", 1),
        ('{"x y": 1}.x y', 1),
        ("is defined(1)", True),
        ("is defined(null)", False),
        ("get or else(null, 1)", 1),
        ("get or else(2, 1)", 2),
        ('assert(5, 5 > 0, "positive")', 5),
        ("is(1, 1)", True),
        ('is(1, "1")', False),
    ],
)
def test_context_function(source: str, expected: object) -> None:
    assert run(source) == expected


def test_assert_failure_is_an_error() -> None:
    with pytest.raises(FeelEvaluationError, match="must be positive"):
        evaluate('assert(-1, -1 > 0, "must be positive")')


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('to json({a: 1.50, b: [true, null], c: "中"})', '{"a":1.50,"b":[true,null],"c":"中"}'),
        ("to json(1000000)", "1000000"),
        ('to json(date("2024-03-15"))', '"2024-03-15"'),
        ('to json(duration("P3D"))', '"PT72H"'),
        ('to json(duration("P1Y2M"))', '"P1Y2M"'),
        ('to json(@"2024-03-15T10:00:00@Asia/Shanghai")', '"2024-03-15T10:00:00+08:00[Asia/Shanghai]"'),
        ('from json("{\\"a\\": 1.5, \\"b\\": [1, null]}")', {"a": 1.5, "b": [1, None]}),
        ('from json("not json")', None),
        ('put({a: 1}, "b", 2)', {"a": 1, "b": 2}),
        ("put all({a: 1}, {b: 2})", {"a": 1, "b": 2}),
        ("and([true, false])", False),
        ("or([false, true])", True),
    ],
)
def test_camunda_json_and_deprecated_names(source: str, expected: object) -> None:
    assert run(source) == expected
