"""Numeric built-ins on decimals."""

from __future__ import annotations

import pytest

from .conftest import run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("decimal(1/3, 2)", 0.33),
        ("decimal(1.5, 0)", 2),
        ("decimal(2.5, 0)", 2),
        ('decimal(2.5, 0, "HALF_UP")', 3),
        ('decimal(-1.1, 0, "floor")', -2),
        ('decimal(1.1, 0, "UNNECESSARY")', None),
        ("abs(number: -3)", 3),
        ("floor(1.5)", 1),
        ("floor(-1.56, 1)", -1.6),
        ("ceiling(1.5)", 2),
        ("ceiling(-1.56, 1)", -1.5),
        ("round up(5.5)", 6),
        ("round up(-5.5)", -6),
        ("round down(5.5)", 5),
        ("round half up(5.5)", 6),
        ("round half up(-5.5)", -6),
        ("round half down(5.5)", 5),
        ("round half up(1.121, 2)", 1.12),
        ("abs(-10)", 10),
        ('abs(duration("-PT5M"))', "PT5M"),
        ("modulo(12, 5)", 2),
        ("modulo(-12, 5)", 3),
        ("modulo(12, -5)", -3),
        ("modulo(10.1, 4.5)", 1.1),
        ("modulo(1, 0)", None),
        ("sqrt(16)", 4),
        ("sqrt(-1)", None),
        ("log(10)", 2.302585092994046),
        ("exp(5)", 148.4131591025766),
        ("odd(5)", True),
        ("even(5)", False),
        ("odd(1.5)", None),
        ("0.1 + 0.2", 0.3),
        ("1 / 3 * 3", 1),
        ("10 ** -1", 0.1),
        ('number("1,200.5", ",", ".")', 1200.5),
        ('number("1 200,5", " ", ",")', 1200.5),
        ('number("12x")', None),
    ],
)
def test_numeric_function(source: str, expected: object) -> None:
    assert run(source) == expected


def test_random_number_in_unit_interval() -> None:
    values = {run("random number()") for _ in range(20)}
    assert len(values) > 1
    assert all(0 <= v < 1 for v in values)
