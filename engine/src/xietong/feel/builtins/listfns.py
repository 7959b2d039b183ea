"""List built-ins (DMN 1.5 §10.3.4.4 plus Camunda's ``is empty``, ``partition``, ``duplicate values``)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from ..errors import FeelEvaluationError
from ..limits import MAX_LIST_LENGTH
from ..values import DECIMAL, FeelFunction, compare, equals
from .registry import OMIT, builtin

_List = list  # the FEEL parameters are named `list`, as the spec names them


def _items(args: tuple[Any, ...]) -> list[Any] | None:
    """Variadic list functions accept one list or the items themselves."""
    if len(args) == 1 and isinstance(args[0], list):
        return args[0]
    if len(args) == 1 and args[0] is None:
        return None
    return list(args)


def _bounded(items: list[Any]) -> list[Any]:
    if len(items) > MAX_LIST_LENGTH:
        raise FeelEvaluationError(f"list longer than {MAX_LIST_LENGTH} items")
    return items


def _key(v: Any) -> Any:
    """A hashable identity for FEEL equality of simple values, or None to fall back to a scan."""
    if isinstance(v, Decimal):
        return ("n", v.normalize())
    if isinstance(v, (str, bool)) or v is None:
        return (type(v).__name__, v)
    return None


class _Seen:
    """Membership under FEEL equality: hashed for simple values, scanned for the rest."""

    def __init__(self) -> None:
        self.keys: set[Any] = set()
        self.others: list[Any] = []

    def add(self, v: Any) -> bool:
        """Add ``v``; True if it was new."""
        k = _key(v)
        if k is not None:
            if k in self.keys:
                return False
            self.keys.add(k)
            return True
        if _contains(self.others, v):
            return False
        self.others.append(v)
        return True


def _contains(items: list[Any], value: Any) -> bool:
    return any(equals(v, value) is True for v in items)


@builtin("list contains", "list, element")
def list_contains(list: Any, element: Any) -> Any:
    if not isinstance(list, _List):
        return None
    return _contains(list, element)


@builtin("count", "list", variadic=True)
def count(*args: Any) -> Any:
    items = _items(args)
    return None if items is None else Decimal(len(items))


def _extreme(args: tuple[Any, ...], sign: int) -> Any:
    items = _items(args)
    if not items:
        return None
    best = items[0]
    for v in items[1:]:
        c = compare(v, best)
        if c is None:
            return None
        if c * sign > 0:
            best = v
    if len(items) == 1 and compare(best, best) is None:
        return None
    return best


@builtin("min", "list", variadic=True)
def min_(*args: Any) -> Any:
    return _extreme(args, -1)


@builtin("max", "list", variadic=True)
def max_(*args: Any) -> Any:
    return _extreme(args, 1)


def _numbers(args: tuple[Any, ...]) -> list[Decimal] | None:
    items = _items(args)
    if items is None or any(type(v) is not Decimal for v in items):
        return None
    return items


def _fold(args: tuple[Any, ...], start: Decimal, op: Any) -> Any:
    nums = _numbers(args)
    if not nums:
        return None
    total = start
    for n in nums:
        total = op(total, n)
    # the decimal context does not trap overflow: an infinite result is null, as for the operators
    return total if total.is_finite() else None


@builtin("sum", "list", variadic=True)
def sum_(*args: Any) -> Any:
    return _fold(args, Decimal(0), DECIMAL.add)


@builtin("product", "list", variadic=True)
def product(*args: Any) -> Any:
    return _fold(args, Decimal(1), DECIMAL.multiply)


@builtin("mean", "list", variadic=True)
def mean(*args: Any) -> Any:
    nums = _numbers(args)
    if not nums:
        return None
    return DECIMAL.divide(sum_(nums), Decimal(len(nums)))


@builtin("median", "list", variadic=True)
def median(*args: Any) -> Any:
    nums = _numbers(args)
    if not nums:
        return None
    s = sorted(nums)
    mid = len(s) // 2
    if len(s) % 2:
        return s[mid]
    return DECIMAL.divide(DECIMAL.add(s[mid - 1], s[mid]), Decimal(2))


@builtin("stddev", "list", variadic=True)
def stddev(*args: Any) -> Any:
    nums = _numbers(args)
    if not nums or len(nums) < 2:
        return None
    m = mean(nums)
    var = Decimal(0)
    for n in nums:
        d = DECIMAL.subtract(n, m)
        var = DECIMAL.add(var, DECIMAL.multiply(d, d))
    return DECIMAL.sqrt(DECIMAL.divide(var, Decimal(len(nums) - 1)))


@builtin("mode", "list", variadic=True)
def mode(*args: Any) -> Any:
    nums = _numbers(args)
    if nums is None:
        return None
    counts: dict[Decimal, int] = {}
    for n in nums:
        counts[n] = counts.get(n, 0) + 1
    if not counts:
        return []
    top = max(counts.values())
    return sorted(k for k, c in counts.items() if c == top)


def _three_valued(args: tuple[Any, ...], decisive: bool) -> Any:
    """``all`` (decisive false) / ``any`` (decisive true): the decisive value wins, a list of only the
    other one gives it, anything else is null (as ``and`` / ``or`` between operands)."""
    items = _items(args)
    if items is None:
        return None
    if any(v is decisive for v in items):
        return decisive
    other = not decisive
    return other if all(v is other for v in items) else None


@builtin("and", "list", variadic=True)  # feel-scala's deprecated name
@builtin("all", "list", variadic=True)
def all_(*args: Any) -> Any:
    return _three_valued(args, decisive=False)


@builtin("or", "list", variadic=True)  # feel-scala's deprecated name
@builtin("any", "list", variadic=True)
def any_(*args: Any) -> Any:
    return _three_valued(args, decisive=True)


def _position(items: list[Any], position: Any, allow_end: bool = False) -> int | None:
    if type(position) is not Decimal or position != position.to_integral_value():
        return None
    p = int(position)
    n = len(items) + (1 if allow_end else 0)
    if 0 < p <= n:
        return p - 1
    if p < 0 and -p <= len(items):
        return len(items) + p
    return None


@builtin("sublist", "list, start position, length?")
def sublist(list: Any, start: Any, length: Any = OMIT) -> Any:
    if not isinstance(list, _List):
        return None
    i = _position(list, start)
    if i is None:
        return None
    if length is OMIT:
        return list[i:]
    if type(length) is not Decimal or length < 0:
        return None
    return list[i : i + int(length)]  # feel-scala slices: a length past the end is cut, not an error


@builtin("append", "list, items", variadic=True)
def append(list: Any, *items: Any) -> Any:
    if not isinstance(list, _List):
        return None
    return _bounded([*list, *items])


@builtin("concatenate", "lists", variadic=True)
def concatenate(*lists: Any) -> Any:
    out: list[Any] = []
    for v in lists:
        # feel-scala keeps a non-list argument as one item (concatenate(null, [1]) = [null, 1])
        out.extend(v if isinstance(v, list) else [v])
        _bounded(out)
    return out


@builtin("insert before", "list, position, newItem")
def insert_before(list: Any, position: Any, newItem: Any) -> Any:
    if not isinstance(list, _List):
        return None
    i = _position(list, position)
    if i is None:
        return None
    return _bounded([*list[:i], newItem, *list[i:]])


@builtin("remove", "list, position")
def remove(list: Any, position: Any) -> Any:
    if not isinstance(list, _List):
        return None
    i = _position(list, position)
    if i is None:
        return None
    return list[:i] + list[i + 1 :]


def list_replace(ctx: Any, list: Any, position: Any, newItem: Any) -> Any:
    if list is not None and not isinstance(list, _List):
        list = [list]
    if not isinstance(list, _List):
        return None
    if isinstance(position, FeelFunction):
        if len(position.params) != 2:
            return None
        out = []
        for item in list:
            hit = position.invoke(ctx, [item, newItem])
            if not isinstance(hit, bool):
                return None
            out.append(newItem if hit else item)
        return out
    if type(position) is Decimal and position.is_finite():
        position = Decimal(int(position))
    i = _position(list, position)
    if i is None:
        return None
    return [*list[:i], newItem, *list[i + 1 :]]


# the DMN 1.5 name of the second parameter when it is a function
builtin("list replace", "list, match, newItem", ctx=True)(list_replace)
builtin("list replace", "list, position, newItem", ctx=True)(list_replace)


@builtin("reverse", "list")
def reverse(list: Any) -> Any:
    return list[::-1] if isinstance(list, _List) else None


@builtin("index of", "list, match")
def index_of(list: Any, match: Any) -> Any:
    if not isinstance(list, _List):
        return None
    return [Decimal(i + 1) for i, v in enumerate(list) if equals(v, match) is True]


@builtin("union", "lists", variadic=True)
def union(*lists: Any) -> Any:
    out: list[Any] = []
    seen = _Seen()
    for v in lists:
        if not isinstance(v, list):
            return None
        out.extend(item for item in v if seen.add(item))
    return out


@builtin("distinct values", "list")
def distinct_values(list: Any) -> Any:
    if not isinstance(list, _List):
        return None
    seen = _Seen()
    return [item for item in list if seen.add(item)]


@builtin("duplicate values", "list")
def duplicate_values(list: Any) -> Any:
    if not isinstance(list, _List):
        return None
    seen, repeated = _Seen(), _Seen()
    for item in list:
        if not seen.add(item):
            repeated.add(item)
    ordered = _Seen()
    return [item for item in list if not repeated.add(item) and ordered.add(item)]


@builtin("flatten", "list")
def flatten(list: Any) -> Any:
    if not isinstance(list, _List):
        return None
    out: _List[Any] = []

    def walk(v: Any) -> None:
        for item in v:
            if isinstance(item, _List):
                walk(item)
            else:
                out.append(item)

    walk(list)
    return _bounded(out)


@builtin("sort", "list, precedes", ctx=True)
def sort(ctx: Any, list: Any, precedes: Any) -> Any:
    """DMN and feel-scala both require ``precedes``; ``sort(list)`` is no function."""
    if not isinstance(list, _List):
        return None
    if not isinstance(precedes, FeelFunction):
        return None

    def cmp(a: Any, b: Any) -> int:
        ctx.budget.spend(1)  # every comparison calls a FEEL function
        if precedes.invoke(ctx, [a, b]) is True:
            return -1
        if precedes.invoke(ctx, [b, a]) is True:
            return 1
        return 0

    try:
        return sorted(list, key=functools.cmp_to_key(cmp))
    except FeelEvaluationError:
        raise


@builtin("is empty", "list")
def is_empty(list: Any) -> Any:
    return len(list) == 0 if isinstance(list, _List) else None


@builtin("partition", "list, size")
def partition(list: Any, size: Any) -> Any:
    if not isinstance(list, _List) or type(size) is not Decimal or size <= 0:
        return None
    n = int(size)
    return [list[i : i + n] for i in range(0, len(list), n)]
