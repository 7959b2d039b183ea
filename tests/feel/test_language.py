"""Core FEEL language semantics as feel-scala (Zeebe) evaluates them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xietong.feel import FeelEvaluationError, FeelSyntaxError, compile_expression, evaluate

from .conftest import run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("0.1 + 0.2 = 0.3", True),
        ("10 / 4", 2.5),
        ("1 / 0", None),
        ("2 ** 10", 1024),
        ("-3 + 1", -2),
        ('"foo" + "bar"', "foobar"),
        ("1 = 1", True),
        ('1 = "1"', None),
        ("null = null", True),
        ("null = 1", False),
        ("1 != 2", True),
        ("3 > 2 and 2 > 1", True),
        ("true and null", None),
        ("false and null", False),
        ("true or null", True),
        ("false or null", None),
        ("true and true and null", None),
        ("true and false and null", False),
        ("null or true or false", True),
        ("false or false or false", False),
        ("not(true)", False),
        ("not(null)", None),
        ('if 1 > 2 then "a" else "b"', "b"),
        ("if null then 1 else 2", 2),
        ("[1, 2, 3]", [1, 2, 3]),
        ("[1, 2, 3][2]", 2),
        ("[1, 2, 3][-1]", 3),
        ("[1, 2, 3][5]", None),
        ("[1, 2, 3][item >= 2]", [2, 3]),
        ("[{a: 1}, {a: 2}][a > 1].a", [2]),
        ("{a: 1, b: a + 1}", {"a": 1, "b": 2}),
        ('{a: {b: "x"}}.a.b', "x"),
        ('{"a b": 1}', {"a b": 1}),
        ("for x in [1, 2] return x * 10", [10, 20]),
        ("for x in 1..3 return x", [1, 2, 3]),
        ("for x in 3..1 return x", [3, 2, 1]),
        ("for x in [1, 2], y in [10, 20] return x + y", [11, 21, 12, 22]),
        ("for i in 1..4 return if i = 1 then 1 else partial[-1] * i", [1, 2, 6, 24]),
        ("some x in [1, 2, 3] satisfies x > 2", True),
        ("every x in [1, 2, 3] satisfies x > 2", False),
        ("every x in [] satisfies x > 2", True),
        ("every x in [1, 2], y in [3, 4] satisfies x < y", True),
        ("every x in [1, 2], y in [3, 4] satisfies x < y - 2", False),
        ("some x in [1, 2], y in [3, 4] satisfies x + y = 6", True),
        ("some x in [1, 2], y in [3, 4] satisfies x + y = 9", False),
        ("some x in 5 satisfies x > 1", None),
        ("for x in 5 return x", None),
        ("5[item > 1]", None),
        ('[1, 2] = [1, "2"]', False),
        ("{x: 1} = {x: true}", False),
        ('@"2023-02-29"', None),
        ("(function(x) x) instance of function", True),
        ("5 between 1 and 10", True),
        ("5 in [1..5]", True),
        ("5 in [1..5)", False),
        ("5 in (1, 2, 5)", True),
        ("5 in < 10", True),
        ("5 in [1, 2, 3]", False),
        ("3 in (1..5)", True),
        ("3 in (2) + 1", True),
        ("[1, 2] in ([1, 2], [3])", True),
        ('"b" in ["a", "b"]', True),
        ("5 instance of number", True),
        ('"x" instance of string', True),
        ("null instance of number", False),
        ("[1,2] instance of list<number>", True),
        ("function(a, b) a + b", None),
        ("(function(a, b) a + b)(1, 2)", 3),
        ("{f: function(x) x * 2, r: f(21)}.r", 42),
        ("{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(5)}.r", 120),
        ("// comment\n 1 /* block */ + 1", 2),
        ("`a-b` + 1", None),
    ],
)
def test_expression(source: str, expected: object) -> None:
    assert run(source) == expected


def test_variables_and_names_with_spaces() -> None:
    scope = {"order total": 250, "decision": "local", "departments": ["a", "b"], "x": {"y": [1, 2]}}
    assert run("order total > 200", scope) is True
    assert run('decision = "local"', scope) is True
    assert run("count(departments) > 0", scope) is True
    assert run("x.y[2]", scope) == 2
    assert run("`order total` / 2", scope) == 125


def test_missing_variable_is_null_not_an_error() -> None:
    assert run("missing") is None
    assert run("missing.deep.path") is None
    assert run("missing > 5") is None
    assert run("is defined(missing)") is False
    assert run("is defined(present)", {"present": 1}) is True
    assert run("is defined(present)", {"present": None}) is False  # feel-scala: only null is undefined
    assert run("get or else(missing, 7)") == 7


def test_json_numbers_become_decimals() -> None:
    assert evaluate("x", {"x": 1}) == Decimal(1)
    assert evaluate("x + 0.2", {"x": 0.1}) == Decimal("0.3")
    assert run("x", {"x": 1.5}) == 1.5


def test_variables_are_only_looked_up() -> None:
    class LookupOnly(dict):
        def __iter__(self):  # pragma: no cover - failing here is the assertion
            raise AssertionError("FEEL iterated the variables")

        def keys(self):  # pragma: no cover
            raise AssertionError("FEEL listed the variables")

    assert run("a + b", LookupOnly(a=1, b=2)) == 3


def test_compiled_expressions_are_cached_and_reusable() -> None:
    c = compile_expression("a * 2")
    assert compile_expression("a * 2") is c
    assert [c.evaluate({"a": i}) for i in range(3)] == [0, 2, 4]


def test_syntax_error_has_position() -> None:
    with pytest.raises(FeelSyntaxError) as info:
        compile_expression("1 +\n  * 2")
    err = info.value
    assert (err.line, err.column) == (2, 3)
    assert "line 2, column 3" in str(err)
    assert err.caret().splitlines()[-1] == "  ^"


@pytest.mark.parametrize("source", ["1 +", "[1, 2", '"abc', "if x then 1", "{a 1}", "a..b", "1 2 3 )"])
def test_invalid_syntax(source: str) -> None:
    with pytest.raises(FeelSyntaxError):
        compile_expression(source)


def test_calls_that_match_no_function_are_null() -> None:
    """feel-scala reports "no function found" as a warning and evaluates to null; so does Zeebe."""
    assert evaluate("nosuch(1)") is None
    assert evaluate("abs()") is None
    assert evaluate("abs(1, 2)") is None
    assert evaluate("{f: function(x, y) x + y, r: f(1)}.r") is None
    assert evaluate("{f: function(x, y) x + y, r: f(x: 1, z: 2)}.r") is None
    assert evaluate("x(1)", {"x": 5}) is None


def test_failed_assert_is_an_evaluation_error() -> None:
    with pytest.raises(FeelEvaluationError, match="Assertion failure"):
        evaluate("assert(1, false)")


def test_named_parameters() -> None:
    assert run('substring(string: "foobar", start position: 3)') == "obar"
    assert run("(function(a, b) a - b)(b: 1, a: 3)") == 2


def test_each_engine_variable_is_converted_once_per_evaluation() -> None:
    """``items[i]`` inside a loop must not re-convert the whole list on every iteration."""
    from collections.abc import Mapping

    class CountingScope(Mapping):
        def __init__(self, data: dict) -> None:
            self.data = data
            self.lookups: dict[str, int] = {}

        def get(self, key, default=None):  # type: ignore[override]
            self.lookups[key] = self.lookups.get(key, 0) + 1
            return self.data.get(key, default)

        def __getitem__(self, key):  # pragma: no cover - FEEL only uses get
            return self.data[key]

        def __iter__(self):  # pragma: no cover
            raise AssertionError("FEEL iterated the variables")

        def __len__(self) -> int:  # pragma: no cover
            return len(self.data)

    scope = CountingScope({"items": [{"id": i} for i in range(50)]})
    assert run("for i in 1..count(items) return items[i].id", scope) == list(range(50))
    assert scope.lookups == {"items": 1}


@pytest.mark.parametrize("space", ["\t", "\u00a0", "\u180e", "\u200b", "\u3000", "\ufeff", "\u2028"])
def test_feel_whitespace_characters(space: str) -> None:
    """DMN's whitespace set is wider than Python's (U+180E, U+200B, U+FEFF)."""
    assert run(f"some x{space}in [1]{space}satisfies{space}odd(x)") is True
    assert run(f"{space}1{space}+{space}1{space}") == 2


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # the examples of Camunda's "FEEL error handling" page: if something goes wrong, null
        ("a.b > 10", None),
        ("[{a: 1}, {b: 2}].a", [1, None]),
        ("[{a: 1}, {b: 2}][a < 10]", [{"a": 1}]),
        ("a != null and a.b > 10", False),
        ('get or else(a, "prio-99")', "prio-99"),
        ("no such fn(1)", None),
        ('1 < "2"', None),
        ('"a" - 1', None),
    ],
)
def test_null_friendly_error_handling(source: str, expected: object) -> None:
    assert run(source) == expected
