"""Turns a syntax tree into nested Python closures: compiled once, evaluated many times.

Each closure takes a :class:`~.scope.Ctx` and returns a FEEL value. No Python source is generated.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from . import properties
from .arithmetic import OPERATORS, negate
from .ast import Node
from .builtins import BUILTINS
from .builtins.registry import static_overload
from .errors import FeelError, FeelEvaluationError, FeelSyntaxError, line_column
from .limits import MAX_CALL_DEPTH, MAX_FOR_ITEMS
from .scope import Ctx, charge_lists
from .temporal import YearsMonthsDuration, parse_date, parse_datetime, parse_iso_duration, parse_time
from .values import MISSING, NULL_BOUND, FeelFunction, Range, compare, equals
from .widedates import WideDate

Fn = Callable[[Ctx], Any]
Test = Callable[[Ctx, Any], Any]


_CMP: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}
_SIMPLE = (str, Decimal, bool)
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def parse_temporal_literal(text: str) -> Any:
    """The value of ``@"..."``: a date, time, date and time or duration; raises ValueError."""
    t = text.strip()
    if t.startswith(("P", "-P")):
        return parse_iso_duration(t)
    if "T" in t:
        return parse_datetime(t)
    if t.count("-") >= 2 and ":" not in t:
        return parse_date(t)
    return parse_time(t)


_IMPURE = frozenset({"now", "today", "random number", "uuid", "assert"})
_LITERALS = frozenset({"num", "str", "bool", "null", "at"})
_BOOLEAN_KINDS = frozenset({"cmp", "and", "or", "between", "in", "instance", "bool", "quant"})


def bound_names(node: Any, out: set[str] | None = None) -> set[str]:
    """Every name the expression binds itself (context keys, parameters, iterators)."""
    out = set() if out is None else out
    if isinstance(node, Node):
        if node.kind == "context":
            out.update(k for k, _ in node.args[0])
        elif node.kind == "fn":
            out.update(node.args[0])
        elif node.kind in ("for", "quant"):
            its = node.args[0] if node.kind == "for" else node.args[1]
            out.update(name for name, _, _ in its)
        for a in node.args:
            bound_names(a, out)
    elif isinstance(node, tuple):
        for a in node:
            bound_names(a, out)
    return out


class Compiler:
    def __init__(self, source: str, tree: Node | None = None) -> None:
        self.source = source
        self.bound = bound_names(tree) if tree is not None else None

    def fold(self, node: Node) -> Any:
        """The value of a call to a pure built-in with literal arguments, computed once, or MISSING."""
        callee, args_n, named = node.args
        if named or callee.kind != "name" or self.bound is None:
            return MISSING
        name = callee.args[0]
        if name in _IMPURE or name not in BUILTINS or name in self.bound:
            return MISSING
        if not all(a.kind in _LITERALS for a in args_n):
            return MISSING
        try:
            value = self.compile(node, fold=False)(Ctx({}))
        except FeelError:
            return MISSING
        if isinstance(value, (list, dict, FeelFunction)):
            return MISSING
        return value

    def syntax_error(self, message: str, pos: int) -> FeelSyntaxError:
        line, col = line_column(self.source, pos)
        return FeelSyntaxError(message, pos, line, col, self.source)

    def compile(self, node: Node, fold: bool = True) -> Fn:
        if fold and node.kind == "call":
            value = self.fold(node)
            if value is not MISSING:
                return lambda ctx: value
        method: Callable[[Node], Fn] | None = getattr(self, "c_" + node.kind, None)
        if method is None:
            raise self.syntax_error(f"'{node.kind}' is not allowed here", node.pos)
        return method(node)

    # -- literals and names ------------------------------------------------------
    def c_num(self, node: Node) -> Fn:
        v = node.args[0]
        return lambda ctx: v

    c_str = c_num
    c_bool = c_num

    def c_null(self, node: Node) -> Fn:
        return lambda ctx: None

    def c_at(self, node: Node) -> Fn:
        try:
            v = parse_temporal_literal(node.args[0])
        except ValueError:
            v = None  # feel-scala: an impossible date such as @"2023-02-29" is null, not a syntax error
        return lambda ctx: v

    def c_name(self, node: Node) -> Fn:
        name = node.args[0]
        builtin = BUILTINS.get(name)

        def lookup(ctx: Ctx) -> Any:
            v = ctx.lookup(name)
            if v is MISSING:
                if builtin is None:
                    ctx.budget.note_missing(name)  # Zeebe's NO_VARIABLE_FOUND warning
                return builtin
            return v

        return lookup

    def c_list(self, node: Node) -> Fn:
        items = [self.compile(n) for n in node.args[0]]
        return lambda ctx: [f(ctx) for f in items]

    def c_context(self, node: Node) -> Fn:
        entries = [(k, self.compile(v)) for k, v in node.args[0]]

        def context(ctx: Ctx) -> dict[str, Any]:
            frame: dict[str, Any] = {}
            inner = ctx.child(frame)
            for key, f in entries:
                frame[key] = f(inner)
            return dict(frame)

        return context

    def c_range(self, node: Node) -> Fn:
        start_n, end_n, start_inc, end_inc = node.args
        fs = self.compile(start_n) if start_n is not None else None
        fe = self.compile(end_n) if end_n is not None else None

        def make_range(ctx: Ctx) -> Range | None:
            s = fs(ctx) if fs else None
            e = fe(ctx) if fe else None
            if s is not None and e is not None and compare(s, e) is None:
                return None
            # an end point that is present but null is unknown, not open
            return Range(
                NULL_BOUND if fs and s is None else s,
                NULL_BOUND if fe and e is None else e,
                start_inc,
                end_inc,
            )

        return make_range

    def c_utest_cmp(self, node: Node) -> Fn:
        op, operand = node.args
        f = self.compile(operand)

        def as_range(ctx: Ctx) -> Range | None:
            v = f(ctx)
            if op in ("<", "<="):
                return Range(None, v, False, op == "<=")
            if op in (">", ">="):
                return Range(v, None, op == ">=", False)
            return Range(v, v, True, True) if op == "=" else None

        return as_range

    # -- operators ---------------------------------------------------------------
    def c_neg(self, node: Node) -> Fn:
        f = self.compile(node.args[0])
        return lambda ctx: negate(f(ctx))

    def c_arith(self, node: Node) -> Fn:
        op, a, b = node.args
        fa, fb = self.compile(a), self.compile(b)
        impl = OPERATORS[op]
        return lambda ctx: impl(fa(ctx), fb(ctx))

    def c_cmp(self, node: Node) -> Fn:
        op, a, b = node.args
        fa = self.compile(a)
        if op in ("=", "!="):
            negated = op == "!="
            if b.kind in ("str", "num", "bool"):
                const = b.args[0]
                ctype = type(const)

                def eq_const(ctx: Ctx) -> Any:
                    x = fa(ctx)
                    if type(x) is ctype:
                        return (x != const) if negated else (x == const)
                    r = equals(x, const)
                    return r if r is None or not negated else not r

                return eq_const
            fb = self.compile(b)

            def eq(ctx: Ctx) -> Any:
                x, y = fa(ctx), fb(ctx)
                if type(x) is type(y) and type(x) in _SIMPLE:
                    return (x != y) if negated else (x == y)
                r = equals(x, y)
                return r if r is None or not negated else not r

            return eq
        fb = self.compile(b)
        test = _CMP[op]
        direct = _ORDER[op]

        def order(ctx: Ctx) -> Any:
            x, y = fa(ctx), fb(ctx)
            tx = type(x)
            if tx is type(y) and (tx is Decimal or tx is str):
                return direct(x, y)  # the common case, without the generic comparison
            c = compare(x, y)
            return None if c is None else test(c)

        return order

    def c_and(self, node: Node) -> Fn:
        return self.logic_chain(node, decisive=False)

    def c_or(self, node: Node) -> Fn:
        return self.logic_chain(node, decisive=True)

    def logic_chain(self, node: Node, decisive: bool) -> Fn:
        """``a or b or c`` (decisive True) / ``a and b and c`` (decisive False), three-valued: the
        decisive value wins, all of the other one gives it, anything else is null. Two operands, the
        common case, go without the loop."""
        other = not decisive
        if len(node.args) == 2:
            fa, fb = self.compile(node.args[0]), self.compile(node.args[1])

            def pair(ctx: Ctx) -> Any:
                a = fa(ctx)
                if a is decisive:
                    return decisive
                b = fb(ctx)
                if b is decisive:
                    return decisive
                if a is other and b is other:
                    return other
                return None

            return pair
        fs = [self.compile(n) for n in node.args]

        def chain(ctx: Ctx) -> Any:
            unknown = False
            for f in fs:
                v = f(ctx)
                if v is decisive:
                    return decisive
                if v is not other:
                    unknown = True
            return None if unknown else other

        return chain

    def c_between(self, node: Node) -> Fn:
        fx, fl, fh = (self.compile(n) for n in node.args)

        def between(ctx: Ctx) -> Any:
            x, lo, hi = fx(ctx), fl(ctx), fh(ctx)
            c1, c2 = compare(x, lo), compare(x, hi)
            if c1 is None or c2 is None:
                return None
            return c1 >= 0 and c2 <= 0

        return between

    def c_in(self, node: Node) -> Fn:
        fx = self.compile(node.args[0])
        tests = [self.compile_test(t) for t in node.args[1]]

        def in_(ctx: Ctx) -> Any:
            x = fx(ctx)
            return run_tests(tests, ctx, x)

        return in_

    def c_instance(self, node: Node) -> Fn:
        fx = self.compile(node.args[0])
        type_ = node.args[1]
        return lambda ctx: instance_of(fx(ctx), type_)

    # -- control flow ------------------------------------------------------------
    def c_if(self, node: Node) -> Fn:
        fc, ft, fe = (self.compile(n) for n in node.args)
        return lambda ctx: ft(ctx) if fc(ctx) is True else fe(ctx)

    def _iterators(self, its: tuple[Any, ...]) -> list[tuple[str, Fn, Fn | None, int]]:
        return [
            (name, self.compile(s), self.compile(e) if e is not None else None, s.pos) for name, s, e in its
        ]

    def c_for(self, node: Node) -> Fn:
        its = self._iterators(node.args[0])
        body = self.compile(node.args[1])

        def for_(ctx: Ctx) -> Any:
            results: list[Any] = []
            frame: dict[str, Any] = {"partial": results}
            inner = ctx.child(frame)

            def loop(level: int) -> bool:
                name, fs, fe, pos = its[level]
                items = iteration_items(inner, fs, fe, pos)
                if items is None:
                    return False
                for item in items:
                    ctx.budget.spend(1, pos)
                    frame[name] = item
                    if level + 1 < len(its):
                        if not loop(level + 1):
                            return False
                    else:
                        results.append(body(inner))
                return True

            if not loop(0):
                return None
            return results

        return for_

    def c_quant(self, node: Node) -> Fn:
        kind, its_n, cond_n = node.args
        its = self._iterators(its_n)
        cond = self.compile(cond_n)
        want = kind == "some"

        def quant(ctx: Ctx) -> Any:
            frame: dict[str, Any] = {}
            inner = ctx.child(frame)
            seen_other = False

            def loop(level: int) -> bool | None:
                """True when an item decides the result (some: a true, every: a false); None if invalid."""
                nonlocal seen_other
                name, fs, fe, pos = its[level]
                items = iteration_items(inner, fs, fe, pos)
                if items is None:
                    return None
                for item in items:
                    ctx.budget.spend(1, pos)
                    frame[name] = item
                    if level + 1 < len(its):
                        found = loop(level + 1)
                        if found is not False:
                            return found
                        continue
                    r = cond(inner)
                    if r is want:
                        return True
                    if r is not None and not isinstance(r, bool):
                        return None
                    if r is None:
                        seen_other = True
                return False

            found = loop(0)
            if found is None:
                return None
            if found:
                return want
            return None if seen_other else (not want)

        return quant

    def c_filter(self, node: Node) -> Fn:
        fb = self.compile(node.args[0])
        cond_n = node.args[1]
        fc = self.compile(cond_n)
        static_index = cond_n.kind == "num"
        boolean = cond_n.kind in _BOOLEAN_KINDS
        pos = node.pos

        def filter_(ctx: Ctx) -> Any:
            base = fb(ctx)
            if base is None:
                return None
            if not isinstance(base, list):
                return None  # feel-scala filters lists only
            items = base
            if static_index:
                return pick(items, fc(ctx))
            if not boolean:
                probe = fc(ctx.child({"item": None}))
                if type(probe) is Decimal:
                    return pick(items, probe)
            ctx.budget.spend(len(items), pos)
            out = []
            frame: dict[str, Any] = {}
            inner = ctx.child(frame)
            for item in items:
                frame.clear()
                frame["item"] = item
                if isinstance(item, dict):
                    frame.update(item)
                r = fc(inner)
                if r is True:
                    out.append(item)
                elif r is not None and r is not False:
                    return None  # feel-scala fails on a non-boolean filter condition
            return out

        return filter_

    def c_path(self, node: Node) -> Fn:
        fb = self.compile(node.args[0])
        name = node.args[1]
        return lambda ctx: path_value(fb(ctx), name)

    # -- functions ---------------------------------------------------------------
    def c_call(self, node: Node) -> Fn:
        callee, args_n, named = node.args
        pos = node.pos
        if named:
            names = [k for k, _ in args_n]
            fargs = [self.compile(v) for _, v in args_n]
        else:
            fargs = [self.compile(a) for a in args_n]
        if (
            callee.kind == "name"
            and not named
            and callee.args[0] in BUILTINS
            and self.bound is not None
            and callee.args[0] not in self.bound
        ):
            direct = self.direct_builtin_call(callee.args[0], fargs)
            if direct is not None:
                return direct
        if callee.kind == "name":
            fname = callee.args[0]
            builtin = BUILTINS.get(fname)

            def resolve(ctx: Ctx) -> Any:
                f = ctx.lookup_local(fname) if builtin is not None else ctx.lookup(fname)
                if f is MISSING:
                    return NO_FUNCTION if builtin is None else builtin
                return f if isinstance(f, FeelFunction) else NO_FUNCTION
        else:
            fcallee = self.compile(callee)

            def resolve(ctx: Ctx) -> Any:
                f = fcallee(ctx)
                return f if isinstance(f, FeelFunction) else NO_FUNCTION

        if named:

            def call_named(ctx: Ctx) -> Any:
                f = resolve(ctx)
                return f.invoke(ctx, [], {n: a(ctx) for n, a in zip(names, fargs, strict=True)}, pos)

            return call_named

        if len(fargs) == 1:
            (f0,) = fargs
            return lambda ctx: resolve(ctx).invoke(ctx, [f0(ctx)], None, pos)

        def call(ctx: Ctx) -> Any:
            f = resolve(ctx)
            return f.invoke(ctx, [a(ctx) for a in fargs], None, pos)

        return call

    def direct_builtin_call(self, fname: str, fargs: list[Fn]) -> Fn | None:
        """Bind a built-in overload at compile time when nothing in the expression can shadow it."""
        ov = static_overload(fname, len(fargs))
        if ov is None:
            return None
        impl = ov.impl
        if ov.needs_ctx:

            def call_with_ctx(ctx: Ctx) -> Any:
                args = [a(ctx) for a in fargs]
                charge_lists(ctx, args)
                return impl(ctx, *args)

            return call_with_ctx
        if len(fargs) == 1:
            (f0,) = fargs

            def call1(ctx: Ctx) -> Any:
                v = f0(ctx)
                if type(v) is list:
                    ctx.budget.spend(len(v))
                return impl(v)

            return call1

        def call_n(ctx: Ctx) -> Any:
            args = [a(ctx) for a in fargs]
            charge_lists(ctx, args)
            return impl(*args)

        return call_n

    def c_fn(self, node: Node) -> Fn:
        params, body_n = node.args
        body = self.compile(body_n)

        def define(ctx: Ctx) -> FeelFunction:
            def invoke(
                caller: Ctx, args: list[Any], named: dict[str, Any] | None = None, pos: Any = None
            ) -> Any:
                # feel-scala: a call that matches no signature is null ("no function found"), not a failure
                if named is not None:
                    if set(named) != set(params):
                        return None
                    frame = {p: named[p] for p in params}
                else:
                    if len(args) != len(params):
                        return None
                    frame = dict(zip(params, args, strict=True))
                budget = caller.budget
                budget.calls += 1
                if budget.calls > MAX_CALL_DEPTH:
                    raise FeelEvaluationError(f"function calls nested deeper than {MAX_CALL_DEPTH}", pos)
                try:
                    inner = ctx.child(frame)
                    inner.budget = budget
                    return body(inner)
                finally:
                    budget.calls -= 1

            return FeelFunction("anonymous", tuple(params), invoke)

        return define

    # -- unary tests ---------------------------------------------------------------
    def c_tests(self, node: Node) -> Fn:
        raise self.syntax_error("unary tests are not an expression", node.pos)

    def compile_test(self, node: Node) -> Test:
        """A positive unary test as a predicate over the input value."""
        if node.kind == "utest_cmp":
            op, operand = node.args
            f = self.compile(operand)
            if op in ("=", "!="):

                def eq_test(ctx: Ctx, x: Any) -> Any:
                    r = equals(x, f(ctx))
                    return r if op == "=" or r is None else not r

                return eq_test
            test = _CMP[op]

            def cmp_test(ctx: Ctx, x: Any) -> Any:
                c = compare(x, f(ctx))
                return None if c is None else test(c)

            return cmp_test
        if node.kind == "any":
            return lambda ctx, x: True
        if node.kind == "not_tests":
            inner = [self.compile_test(t) for t in node.args[0]]

            def not_test(ctx: Ctx, x: Any) -> Any:
                r = run_tests(inner, ctx, x)
                return None if r is None else not r

            return not_test
        if node.kind == "tests":
            inner = [self.compile_test(t) for t in node.args[0]]
            return lambda ctx, x: run_tests(inner, ctx, x)
        f = self.compile(node)
        uses_input = mentions_input(node)

        def expr_test(ctx: Ctx, x: Any) -> Any:
            if uses_input:
                v = f(ctx.child({"?": x}))
                return v if isinstance(v, bool) else None  # a test using ? must give a boolean
            v = f(ctx)
            if isinstance(v, Range):
                return v.contains(x)
            if isinstance(v, list):
                for item in v:
                    if isinstance(item, Range) and item.contains(x) is True:
                        return True
                    if equals(x, item) is True:
                        return True
                return equals(x, v) is True
            if isinstance(v, bool) and x is not None and not isinstance(x, bool):
                return v
            return equals(x, v)

        return expr_test


# what a call to an unknown function, or to a value that is no function, evaluates to: null, as in
# feel-scala, which reports "no function found" as a warning and goes on with null
NO_FUNCTION = FeelFunction("none", (), lambda *args, **kwargs: None)


def mentions_input(node: Any) -> bool:
    if isinstance(node, Node):
        if node.kind == "name" and node.args[0] == "?":
            return True
        return any(mentions_input(a) for a in node.args)
    if isinstance(node, tuple):
        return any(mentions_input(a) for a in node)
    return False


def run_tests(tests: list[Test], ctx: Ctx, x: Any) -> Any:
    unknown = False
    for t in tests:
        r = t(ctx, x)
        if r is True:
            return True
        if r is None:
            unknown = True
    return None if unknown else False


def iteration_items(ctx: Ctx, fs: Fn, fe: Fn | None, pos: int) -> list[Any] | range | None:
    start = fs(ctx)
    if fe is not None:
        return number_range(start, fe(ctx), pos)
    if isinstance(start, Range):
        if start.start is None or start.end is None:
            return None
        lo = start.start if start.start_included else start.start + 1
        hi = start.end if start.end_included else start.end - 1
        return number_range(lo, hi, pos)
    return start if isinstance(start, list) else None  # feel-scala iterates lists only


def number_range(a: Any, b: Any, pos: int) -> list[Any] | None:
    if type(a) is date and type(b) is date:
        days = (b - a).days
        if abs(days) + 1 > MAX_FOR_ITEMS:
            raise FeelEvaluationError(f"iteration over more than {MAX_FOR_ITEMS} items", pos)
        step = 1 if days >= 0 else -1
        return [a + timedelta(days=i) for i in range(0, days + step, step)]
    if type(a) is not Decimal or type(b) is not Decimal:
        return None
    if a != a.to_integral_value() or b != b.to_integral_value():
        return None
    lo, hi = int(a), int(b)
    if abs(hi - lo) + 1 > MAX_FOR_ITEMS:
        raise FeelEvaluationError(f"iteration over more than {MAX_FOR_ITEMS} items", pos)
    step = 1 if hi >= lo else -1
    return [Decimal(i) for i in range(lo, hi + step, step)]


def pick(items: list[Any], index: Any) -> Any:
    if type(index) is not Decimal or index != index.to_integral_value():
        return None
    i = int(index)
    if i > 0 and i <= len(items):
        return items[i - 1]
    if i < 0 and -i <= len(items):
        return items[i]
    return None


def path_value(base: Any, name: str) -> Any:
    if base is None:
        return None
    if isinstance(base, dict):
        return base.get(name)
    if isinstance(base, list):
        return [path_value(item, name) for item in base]
    return properties.get(base, name)


_SIMPLE_TYPES = {
    "number": (Decimal,),
    "string": (str,),
    "boolean": (bool,),
    "date and time": (datetime,),
    "time": (time,),
    "days and time duration": (timedelta,),
    "years and months duration": (YearsMonthsDuration,),
    "context": (dict,),
    "list": (list,),
    "range": (Range,),
    "function": (FeelFunction,),
}


def instance_of(value: Any, type_: Any) -> bool:
    if type_ in ("Any", "any"):
        return value is not None
    if type_ in ("Null", "null"):
        return value is None
    if value is None:
        return False
    if isinstance(value, WideDate):
        return bool(type_ == ("date and time" if value.is_datetime else "date"))
    if type_ == "date":
        return isinstance(value, date) and not isinstance(value, datetime)
    if isinstance(type_, str):
        kinds = _SIMPLE_TYPES.get(type_)
        return kinds is not None and isinstance(value, kinds)
    kind = type_[0]
    if kind == "list":
        return isinstance(value, list) and all(instance_of(v, type_[1]) or v is None for v in value)
    if kind == "range":
        return isinstance(value, Range) and all(
            v is None or instance_of(v, type_[1]) for v in (value.start, value.end)
        )
    if kind == "context":
        return isinstance(value, dict) and all(k in value and instance_of(value[k], t) for k, t in type_[1])
    if kind == "function":
        return isinstance(value, FeelFunction)
    return False
