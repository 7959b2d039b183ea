"""`xietong feel eval` with garbage: a syntax error shows where, limits refuse bombs before they run,
`--vars` and `--now` name the option; never a traceback."""

from __future__ import annotations

import pytest

from tests.robustness.helpers import invoke


def feel(*args: str) -> tuple[int, str, str]:
    run = invoke("feel", "eval", *args)
    return run.code, run.out, run.err


def test_garbage_shows_the_column() -> None:
    assert feel("1 +* 2") == (2, "", "syntax error: unexpected '*' (line 1, column 4)\n1 +* 2\n   ^\n")


def test_a_nul_character_is_named() -> None:
    code, _, err = feel("1 +\x00 2")
    assert code == 2 and err.startswith("syntax error: unexpected character '\\x00' (line 1, column 4)")


def test_an_unterminated_string() -> None:
    assert feel('"unclosed') == (2, "", 'syntax error: unterminated string literal (line 1, column 1)\n'
                                        '"unclosed\n^\n')


NESTED_40 = "syntax error: expression nested deeper than 40 levels (line 1, column 41)"


@pytest.mark.parametrize(("expression", "message"), [
    ("(" * 5000 + "1" + ")" * 5000, NESTED_40),
    ("[" * 3000 + "]" * 3000, NESTED_40),
    ("1" + "+1" * 20000, "syntax error: expression nested deeper than 200 levels (line 1, column 400)"),
    ("9" * 100_000, "syntax error: number literal longer than 1000 digits (line 1, column 1)"),
    ('"' + "x" * 1_000_000 + '"',
     "syntax error: expression longer than 100000 characters (line 1, column 100001)"),
], ids=["parentheses", "lists", "long-chain", "huge-number", "huge-string"])
def test_bombs_are_refused_before_evaluation(expression: str, message: str) -> None:
    code, out, err = feel(expression)
    assert (code, out, err.splitlines()[0]) == (2, "", message)


def test_iteration_is_bounded() -> None:
    code, _, err = feel('string join(for i in 1..1000000 return "x")')
    assert code != 0 and "iteration over more than 100000 items" in err


@pytest.mark.parametrize(("variables", "message"), [
    ("{bad}", "Invalid value for --vars: not valid JSON: Expecting property name enclosed in double quotes"),
    ("[1]", "Invalid value for --vars: must be a JSON object"),
    ("null", "Invalid value for --vars: must be a JSON object"),
])
def test_vars_that_are_not_a_json_object(variables: str, message: str) -> None:
    code, _, err = feel("x", "--vars", variables)
    assert code == 2 and message in err


def test_now_that_is_not_a_date_time() -> None:
    code, _, err = feel("now()", "--now", "yesterday")
    assert code == 2 and "Invalid value for --now: not an ISO 8601 date-time" in err


def test_type_mismatches_are_null_as_in_feel() -> None:
    assert feel("string length(x)", "--vars", '{"x": 5}') == (0, "null\n", "")
    assert feel("x.y.z", "--vars", '{"x": 5}') == (0, "null\n", "")


def test_deeply_nested_vars_are_a_clear_error() -> None:
    code, _, err = feel("x", "--vars", '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert code == 2 and "--vars" in err


def test_product_overflow_is_null_like_multiplication() -> None:
    assert feel("(10**6000) * (10**6000)") == (0, "null\n", "")
    assert feel("product(10**6000, 10**6000)") == (0, "null\n", "")


def test_a_syntax_error_excerpt_stays_short() -> None:
    _, _, err = feel("(" * 5000 + "1" + ")" * 5000)
    assert max(len(line) for line in err.splitlines()) <= 200
