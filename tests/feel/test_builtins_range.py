"""Range values, the range built-ins and unary tests."""

from __future__ import annotations

import pytest

from xietong.feel import Range, compile_unary_tests, evaluate

from .conftest import run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("before(1, 10)", True),
        ("before([1..5], 5)", False),
        ("before([1..5), 5)", True),
        ("before([1..5], [6..8])", True),
        ("after([5..10], 2)", True),
        ("meets([1..5], [5..10])", True),
        ("met by([5..10], [1..5])", True),
        ("overlaps([1..5], [3..8])", True),
        ("overlaps([1..5], [6..8])", False),
        ("overlaps before([1..5], [3..8])", True),
        ("overlaps after([3..8], [1..5])", True),
        ("finishes(5, [1..5])", True),
        ("finished by([1..5], 5)", True),
        ("includes([1..10], 5)", True),
        ("includes([1..10], [4..6])", True),
        ("during(5, [1..10])", True),
        ("starts(1, [1..5])", True),
        ("started by([1..5], 1)", True),
        ("coincides([1..5], [1..5])", True),
        ("coincides(1, 2)", False),
        ('before(1, "a")', None),
        ('before("a", "b")', None),  # strings are not points
        ("[1..10].start", 1),
        ("(1..10].start included", False),
        ("[1..10].end included", True),
        ('range("[18..21)").end included', False),
        ("5 in [1..10]", True),
        ("10 in [1..10)", False),
        ("5 in ]1..10[", True),
        ('date("2024-03-15") in [date("2024-01-01")..date("2024-12-31")]', True),
        ("x in > 3", None),
        ("5 in [1..missing]", None),  # a null end point is unknown, not open
        ("[1..missing].end", None),
        ('range("[3..1]")', None),
        ('range("[date(string(\\"1970-01-01\\"))..date(\\"1970-01-02\\")]")', None),
    ],
)
def test_range(source: str, expected: object) -> None:
    assert run(source) == expected


def test_range_value() -> None:
    assert evaluate("[1..5)") == Range(1, 5, True, False)


@pytest.mark.parametrize(
    ("tests", "value", "expected"),
    [
        ("< 10", 5, True),
        ("< 10", 15, False),
        ("[1..5]", 5, True),
        ("(1..5]", 1, False),
        ('"a", "b"', "b", True),
        ('"a", "b"', "c", False),
        ('not("a", "b")', "c", True),
        ("-", 42, True),
        ("? > 3 and ? < 6", 4, True),
        (">= limit", 7, True),
        ("null", None, True),
        ("[1, 2, 3]", 2, True),
        ("? < 10", None, None),
        ("abs(?)", 5, None),  # a test using ? must evaluate to a boolean
        ("true", None, False),
    ],
)
def test_unary_tests(tests: str, value: object, expected: bool | None) -> None:
    # the input arrives as a JSON value, like the engine's variables
    assert compile_unary_tests(tests).matches(value, {"limit": 5}) is expected
