"""String built-ins."""

from __future__ import annotations

import re

import pytest

from .conftest import run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('substring("foobar", 3)', "obar"),
        ('substring("foobar", 3, 3)', "oba"),
        ('substring("foobar", -2, 1)', "a"),
        ('substring("\U0001f40eab", 2)', "ab"),
        ('string length("城管局")', 3),
        ('upper case("aBc")', "ABC"),
        ('lower case("aBc")', "abc"),
        ('substring before("foobar", "bar")', "foo"),
        ('substring before("foobar", "xyz")', ""),
        ('substring after("foobar", "ob")', "ar"),
        ('contains("foobar", "of")', False),
        ('starts with("foobar", "fo")', True),
        ('ends with("foobar", "r")', True),
        ('matches("foobar", "^fo*b")', True),
        ('matches("FooBar", "foobar", "i")', True),
        ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
        ('replace("a.b.c", ".", "-", "q")', "a-b-c"),
        ('replace("abc", "", "-")', "-a-b-c-"),  # feel-scala uses Java's replaceAll: empty matches allowed
        ('replace("a.b", "\\.", "\\$")', "a$b"),
        ('split("John Doe", "\\\\s")', ["John", "Doe"]),
        ('split("a;b;c;;", ";")', ["a", "b", "c", "", ""]),
        ('extract("references are 1234, 1256, 1378", "12[0-9]*")', ["1234", "1256"]),
        ('string join(["a", "b", "c"], ", ")', "a, b, c"),
        ('string join(["a", null, "c"])', "ac"),
        ('string join(["a", "b"], "-", "[", "]")', "[a-b]"),
        ('trim("  x  ")', "x"),
        ('is blank("  ")', True),
        ('to base64("FEEL")', "RkVFTA=="),
        ("string(1.10)", "1.10"),  # feel-scala prints Java's BigDecimal.toString: the scale is kept
        ("string(1.5 * 2)", "3.0"),
        ("string(10 / 4)", "2.5"),
        ("string(null)", None),
        ('string(date("2024-03-15"))', "2024-03-15"),
        ("upper case(5)", None),
        ('matches("a", "[")', None),
    ],
)
def test_string_function(source: str, expected: object) -> None:
    assert run(source) == expected


def test_uuid_is_random_v4() -> None:
    a, b = run("uuid()"), run("uuid()")
    assert a != b
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", a)
