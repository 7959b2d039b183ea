"""Range built-ins (DMN 1.5 §10.3.4.9): Allen's interval relations over points and ranges."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from ..temporal import YearsMonthsDuration
from ..values import Range, compare
from .registry import builtin


class _Incomparable(Exception):
    pass


def _c(a: Any, b: Any) -> int:
    if a is None or b is None:
        raise _Incomparable
    c = compare(a, b)
    if c is None:
        raise _Incomparable
    return c


def _lt(a: Any, b: Any) -> bool:
    return _c(a, b) < 0


def _gt(a: Any, b: Any) -> bool:
    return _c(a, b) > 0


def _eq(a: Any, b: Any) -> bool:
    return _c(a, b) == 0


def _point(value: Any) -> bool:
    return isinstance(value, (Decimal, date, time, timedelta, YearsMonthsDuration))


def _relation(name: str, pp: Any = None, pr: Any = None, rp: Any = None, rr: Any = None) -> None:
    def impl(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        ra, rb = isinstance(a, Range), isinstance(b, Range)
        if not all(_point(v) for v in (a, b) if not isinstance(v, Range)):
            return None  # feel-scala: only numbers, temporal values and durations are points
        fn = {(False, False): pp, (False, True): pr, (True, False): rp, (True, True): rr}[(ra, rb)]
        if fn is None:
            return None
        try:
            return bool(fn(a, b))
        except _Incomparable:
            return None

    names = {
        "pp": "point1, point2",
        "pr": "point, range",
        "rp": "range, point",
        "rr": "range1, range2",
    }
    for key, fn in (("pp", pp), ("pr", pr), ("rp", rp), ("rr", rr)):
        if fn is not None:
            builtin(name, names[key])(impl)


def _converse(fn: Any) -> Any:
    return None if fn is None else (lambda a, b: fn(b, a))


def _relations(
    name: str, converse: str, pp: Any = None, pr: Any = None, rp: Any = None, rr: Any = None
) -> None:
    """``name`` and its converse (``before``/``after``): ``converse(a, b)`` is ``name(b, a)``, so that
    the point-range form of one is the range-point form of the other, by construction."""
    _relation(name, pp=pp, pr=pr, rp=rp, rr=rr)
    _relation(converse, pp=_converse(pp), pr=_converse(rp), rp=_converse(pr), rr=_converse(rr))


_relations(
    "before",
    "after",
    pp=lambda p1, p2: _lt(p1, p2),
    pr=lambda p, r: _lt(p, r.start) or (_eq(p, r.start) and not r.start_included),
    rp=lambda r, p: _lt(r.end, p) or (_eq(r.end, p) and not r.end_included),
    rr=lambda r1, r2: (
        _lt(r1.end, r2.start) or ((not r1.end_included or not r2.start_included) and _eq(r1.end, r2.start))
    ),
)
_relations(
    "meets", "met by", rr=lambda r1, r2: r1.end_included and r2.start_included and _eq(r1.end, r2.start)
)
_relation(
    "overlaps",
    rr=lambda r1, r2: (
        (_gt(r1.end, r2.start) or (_eq(r1.end, r2.start) and r1.end_included and r2.start_included))
        and (_lt(r1.start, r2.end) or (_eq(r1.start, r2.end) and r1.start_included and r2.end_included))
    ),
)
_relations(
    "overlaps before",
    "overlaps after",
    rr=lambda r1, r2: (
        (_lt(r1.start, r2.start) or (_eq(r1.start, r2.start) and r1.start_included and not r2.start_included))
        and (_gt(r1.end, r2.start) or (_eq(r1.end, r2.start) and r1.end_included and r2.start_included))
        and (_lt(r1.end, r2.end) or (_eq(r1.end, r2.end) and (not r1.end_included or r2.end_included)))
    ),
)
_relations(
    "finishes",
    "finished by",
    pr=lambda p, r: r.end_included and _eq(r.end, p),
    rr=lambda r1, r2: (
        r1.end_included == r2.end_included
        and _eq(r1.end, r2.end)
        and (
            _gt(r1.start, r2.start)
            or (_eq(r1.start, r2.start) and (not r1.start_included or r2.start_included))
        )
    ),
)
_relations(
    "includes",
    "during",
    rp=lambda r, p: (
        (_lt(r.start, p) and _gt(r.end, p))
        or (_eq(r.start, p) and r.start_included)
        or (_eq(r.end, p) and r.end_included)
    ),
    rr=lambda r1, r2: (
        (
            _lt(r1.start, r2.start)
            or (_eq(r1.start, r2.start) and (r1.start_included or not r2.start_included))
        )
        and (_gt(r1.end, r2.end) or (_eq(r1.end, r2.end) and (r1.end_included or not r2.end_included)))
    ),
)
_relations(
    "starts",
    "started by",
    pr=lambda p, r: _eq(r.start, p) and r.start_included,
    rr=lambda r1, r2: (
        _eq(r1.start, r2.start)
        and r1.start_included == r2.start_included
        and (_lt(r1.end, r2.end) or (_eq(r1.end, r2.end) and (not r1.end_included or r2.end_included)))
    ),
)
_relation(
    "coincides",
    pp=lambda p1, p2: _eq(p1, p2),
    rr=lambda r1, r2: (
        _eq(r1.start, r2.start)
        and r1.start_included == r2.start_included
        and _eq(r1.end, r2.end)
        and r1.end_included == r2.end_included
    ),
)
