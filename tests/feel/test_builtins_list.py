"""List built-ins."""

from __future__ import annotations

import pytest

from .conftest import run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("list contains([1, 2, 3], 2)", True),
        ("list contains([1, null], null)", True),
        ("count([1, 2, 3])", 3),
        ("min([3, 1, 2])", 1),
        ("min(3, 1, 2)", 1),
        ('max(["a", "c", "b"])', "c"),
        ("max([])", None),
        ("sum([1, 2, 3])", 6),
        ("sum([])", None),
        ('sum([1, "a"])', None),
        ("mean([1, 2, 3])", 2),
        ("median([8, 2, 5, 3, 4])", 4),
        ("median([6, 1, 2, 3])", 2.5),
        ("stddev([2, 4, 7, 5])", 2.0816659994661326),
        ("mode([6, 3, 9, 6, 6])", [6]),
        ("mode([6, 1, 9, 6, 1])", [1, 6]),
        ("all([true, false])", False),
        ("all([true, null])", None),
        ("all([])", True),
        ("any([false, true])", True),
        ("any([])", False),
        ("sublist([4, 5, 6], 1, 2)", [4, 5]),
        ("sublist([4, 5, 6], -2)", [5, 6]),
        ("append([1], 2, 3)", [1, 2, 3]),
        ("concatenate([1, 2], [3])", [1, 2, 3]),
        ("insert before([1, 3], 2, 2)", [1, 2, 3]),
        ("remove([1, 2, 3], 2)", [1, 3]),
        ("reverse([1, 2, 3])", [3, 2, 1]),
        ("index of([1, 2, 3, 2], 2)", [2, 4]),
        ("union([1, 2], [2, 3])", [1, 2, 3]),
        ("distinct values([1, 2, 3, 2, 1])", [1, 2, 3]),
        ("duplicate values([1, 2, 3, 2, 1])", [1, 2]),
        ("flatten([[1, 2], [[3]], 4])", [1, 2, 3, 4]),
        ("product([2, 3, 4])", 24),
        ("sort([3, 1, 2], function(x, y) x < y)", [1, 2, 3]),
        ('sort(list: ["b", "a"], precedes: function(x, y) x < y)', ["a", "b"]),
        ("is empty([])", True),
        ("partition([1, 2, 3, 4, 5], 2)", [[1, 2], [3, 4], [5]]),
        ("list replace([2, 4, 7, 8], 3, 6)", [2, 4, 6, 8]),
        ("list replace([2, 4, 7, 8], function(item, newItem) item < newItem, 5)", [5, 5, 7, 8]),
        ("count(null)", None),
    ],
)
def test_list_function(source: str, expected: object) -> None:
    assert run(source) == expected
