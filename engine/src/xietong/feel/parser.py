"""Recursive-descent FEEL parser producing :class:`~.ast.Node` trees with source offsets.

Names may contain spaces (``order total``): adjacent name tokens that are not keywords join into one
name, and the built-in names that contain keywords (``date and time``, ``get or else``) are recognised
when they are followed by ``(``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .ast import Node
from .errors import FeelSyntaxError, line_column
from .lexer import KEYWORDS, Token, tokenize
from .limits import MAX_NESTING, MAX_NUMBER_DIGITS, MAX_TREE_DEPTH

KEYWORD_NAMES = (
    ("years", "and", "months", "duration"),
    ("date", "and", "time"),
    ("get", "or", "else"),
    ("day", "of", "year"),
    ("day", "of", "week"),
    ("month", "of", "year"),
    ("week", "of", "year"),
    ("index", "of"),
    ("last", "day", "of", "month"),
)
TYPE_NAMES = (
    ("years", "and", "months", "duration"),
    ("days", "and", "time", "duration"),
    ("date", "and", "time"),
)
_KEYWORD_NAME_STARTS = frozenset(words[0] for words in KEYWORD_NAMES)
_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})


class Parser:
    def __init__(self, source: str, known_names: tuple[str, ...] = ()) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.tokens.extend([self.tokens[-1]] * 8)  # look-ahead past the end reads end-of-input
        self.last = len(self.tokens) - 9
        self.i = 0
        self.nesting = 0
        self.no_filter = False
        self.known_names = tuple(sorted(known_names, key=len, reverse=True))

    # -- helpers -----------------------------------------------------------------
    def error(self, message: str, pos: int | None = None) -> FeelSyntaxError:
        p = self.peek().pos if pos is None else pos
        line, col = line_column(self.source, p)
        return FeelSyntaxError(message, p, line, col, self.source)

    def peek(self, k: int = 0) -> Token:
        return self.tokens[self.i + k]

    def next(self) -> Token:
        t = self.tokens[self.i]
        if self.i < self.last:
            self.i += 1
        return t

    def expect_op(self, op: str) -> Token:
        t = self.peek()
        if not t.is_op(op):
            raise self.error(f"expected '{op}' but found {self.describe(t)}")
        return self.next()

    def expect_kw(self, word: str) -> Token:
        t = self.peek()
        if not t.is_kw(word):
            raise self.error(f"expected '{word}' but found {self.describe(t)}")
        return self.next()

    @staticmethod
    def describe(t: Token) -> str:
        return "end of expression" if t.kind == "eof" else f"'{t.value}'"

    def node(
        self, kind: str, pos: int, args: tuple[Any, ...] = (), children: tuple[Node | None, ...] = ()
    ) -> Node:
        n = Node(kind, pos, args, children)
        if n.depth > MAX_TREE_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_TREE_DEPTH} levels", pos)
        return n

    # -- entry points --------------------------------------------------------------
    def parse(self) -> Node:
        expr = self.expression()
        t = self.peek()
        if t.kind != "eof":
            raise self.error(f"unexpected {self.describe(t)}")
        return expr

    def parse_unary_tests(self) -> Node:
        t = self.peek()
        if t.is_op("-") and self.peek(1).kind == "eof":
            self.next()
            return self.node("any", t.pos)
        if t.is_kw("not") and self.peek(1).is_op("("):
            # "not(...)" as a whole cell negates the tests; a longer expression is an ordinary test
            save = self.i
            self.next()
            self.next()
            tests = self.test_list()
            self.expect_op(")")
            if self.peek().kind == "eof":
                return self.node("not_tests", t.pos, (tuple(tests),), tuple(tests))
            self.i = save
        tests = [self.unary_test()]
        while self.peek().is_op(","):
            self.next()
            tests.append(self.unary_test())
        if self.peek().kind != "eof":
            raise self.error(f"unexpected {self.describe(self.peek())}")
        return self.node("tests", t.pos, (tuple(tests),), tuple(tests))

    def test_list(self) -> list[Node]:
        tests = [self.unary_test()]
        while self.peek().is_op(","):
            self.next()
            tests.append(self.unary_test())
        return tests

    def unary_test(self) -> Node:
        t = self.peek()
        if t.kind == "op" and t.value in ("<", "<=", ">", ">=", "=", "!="):
            self.next()
            operand = self.endpoint()
            return self.node("utest_cmp", t.pos, (t.value, operand), (operand,))
        return self.expression()

    # -- expressions ---------------------------------------------------------------
    def expression(self) -> Node:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"expression nested deeper than {MAX_NESTING} levels")
        try:
            t = self.peek()
            if t.kind == "name":
                if t.value == "if":
                    return self.if_expression()
                if t.value == "for":
                    return self.for_expression()
                if t.value in ("some", "every"):
                    return self.quantified()
                if t.value == "function" and self.peek(1).is_op("("):
                    return self.function_definition()
            return self.disjunction()
        finally:
            self.nesting -= 1

    def if_expression(self) -> Node:
        t = self.next()
        cond = self.expression()
        self.expect_kw("then")
        then = self.expression()
        self.expect_kw("else")
        other = self.expression()
        return self.node("if", t.pos, (cond, then, other), (cond, then, other))

    def iterators(self) -> list[tuple[str, Node, Node | None]]:
        its = []
        while True:
            name = self.name_text(stop=("in",))
            self.expect_kw("in")
            start = self.expression()
            end = None
            if self.peek().is_op(".."):
                self.next()
                end = self.expression()
            its.append((name, start, end))
            if not self.peek().is_op(","):
                return its
            self.next()

    def for_expression(self) -> Node:
        t = self.next()
        its = self.iterators()
        self.expect_kw("return")
        body = self.expression()
        children = (*tuple(x for _, s, e in its for x in (s, e)), body)
        return self.node("for", t.pos, (tuple(its), body), children)

    def quantified(self) -> Node:
        t = self.next()
        its = self.iterators()
        self.expect_kw("satisfies")
        cond = self.expression()
        children = (*tuple(x for _, s, e in its for x in (s, e)), cond)
        return self.node("quant", t.pos, (t.value, tuple(its), cond), children)

    def function_definition(self) -> Node:
        t = self.next()
        self.expect_op("(")
        params: list[str] = []
        while not self.peek().is_op(")"):
            params.append(self.name_text(stop=()))
            if self.peek().is_op(":"):  # typed parameter: the type is not enforced
                self.next()
                self.type_spec()
            if not self.peek().is_op(","):
                break
            self.next()
        self.expect_op(")")
        if self.peek().is_kw("external"):
            raise self.error("external functions are not supported")
        body = self.expression()
        return self.node("fn", t.pos, (tuple(params), body), (body,))

    def disjunction(self) -> Node:
        # one n-ary node, so a generated condition with hundreds of alternatives stays shallow
        first = self.conjunction()
        operands = [first]
        pos = first.pos
        while self.peek().is_kw("or"):
            pos = self.next().pos
            operands.append(self.conjunction())
        if len(operands) == 1:
            return first
        return self.node("or", pos, tuple(operands), tuple(operands))

    def conjunction(self) -> Node:
        first = self.comparison()
        operands = [first]
        pos = first.pos
        while self.peek().is_kw("and"):
            pos = self.next().pos
            operands.append(self.comparison())
        if len(operands) == 1:
            return first
        return self.node("and", pos, tuple(operands), tuple(operands))

    def comparison(self) -> Node:
        left = self.additive()
        while True:
            t = self.peek()
            if t.kind == "op" and t.value in _COMPARISONS:
                self.next()
                right = self.additive()
                left = self.node("cmp", t.pos, (t.value, left, right), (left, right))
            elif t.is_kw("between"):
                self.next()
                low = self.additive()
                self.expect_kw("and")
                high = self.additive()
                left = self.node("between", t.pos, (left, low, high), (left, low, high))
            elif t.is_kw("in"):
                self.next()
                tests = self.in_tests()
                left = self.node("in", t.pos, (left, tuple(tests)), (left, *tests))
            elif t.is_kw("instance") and self.peek(1).is_kw("of"):
                self.next()
                self.next()
                type_ = self.type_spec()
                left = self.node("instance", t.pos, (left, type_), (left,))
            else:
                return left

    def in_tests(self) -> list[Node]:
        t = self.peek()
        if t.is_op("("):
            self.next()
            first = self.unary_test()
            if self.peek().is_op(".."):
                self.next()
                end = self.endpoint()
                return [self.range_close(t.pos, first, end, start_included=False)]
            tests = [first]
            while self.peek().is_op(","):
                self.next()
                tests.append(self.unary_test())
            self.expect_op(")")
            if len(tests) == 1 and self.peek().kind == "op" and self.peek().value in "+-*/**.":
                # "(a) + b" — the parenthesis was part of an expression: re-parse from the start
                self.i -= 1
                while self.tokens[self.i] is not t:
                    self.i -= 1
                return [self.unary_test()]
            return tests
        return [self.unary_test()]

    def type_spec(self) -> object:
        t = self.peek()
        if t.kind == "name" and t.value in ("list", "range") and self.peek(1).is_op("<"):
            self.next()
            self.next()
            inner = self.type_spec()
            self.expect_op(">")
            return (t.value, inner)
        if t.kind == "name" and t.value == "context" and self.peek(1).is_op("<"):
            self.next()
            self.next()
            fields = []
            while not self.peek().is_op(">"):
                key = self.name_text(stop=())
                self.expect_op(":")
                fields.append((key, self.type_spec()))
                if self.peek().is_op(","):
                    self.next()
            self.expect_op(">")
            return ("context", tuple(fields))
        if t.is_kw("function") and not self.peek(1).is_op("<"):
            self.next()
            return "function"
        if t.kind == "name" and t.value == "function" and self.peek(1).is_op("<"):
            self.next()
            self.next()
            params = []
            while not self.peek().is_op(">"):
                params.append(self.type_spec())
                if self.peek().is_op(","):
                    self.next()
            self.expect_op(">")
            self.expect_op("->")
            return ("function", tuple(params), self.type_spec())
        for words in TYPE_NAMES:
            if all(self.peek(k).kind == "name" and self.peek(k).value == w for k, w in enumerate(words)):
                self.i += len(words)
                return " ".join(words)
        if t.kind not in ("name", "qname"):
            raise self.error(f"expected a type but found {self.describe(t)}")
        return self.name_text(stop=())

    def additive(self) -> Node:
        left = self.multiplicative()
        while True:
            t = self.peek()
            if t.kind == "op" and t.value in ("+", "-"):
                self.next()
                right = self.multiplicative()
                left = self.node("arith", t.pos, (t.value, left, right), (left, right))
            else:
                return left

    def multiplicative(self) -> Node:
        left = self.power()
        while True:
            t = self.peek()
            if t.kind == "op" and t.value in ("*", "/"):
                self.next()
                right = self.power()
                left = self.node("arith", t.pos, (t.value, left, right), (left, right))
            else:
                return left

    def power(self) -> Node:
        left = self.unary()
        while self.peek().is_op("**"):
            t = self.next()
            right = self.unary()
            left = self.node("arith", t.pos, ("**", left, right), (left, right))
        return left

    def unary(self) -> Node:
        t = self.peek()
        if t.is_op("-"):
            self.next()
            operand = self.unary()
            if operand.kind == "num":
                return self.node("num", t.pos, (-operand.args[0],))
            return self.node("neg", t.pos, (operand,), (operand,))
        return self.postfix()

    def postfix(self) -> Node:
        expr = self.primary()
        while True:
            t = self.peek()
            if t.is_op("[") and not self.no_filter:
                self.next()
                saved, self.no_filter = self.no_filter, False
                cond = self.expression()
                self.no_filter = saved
                self.expect_op("]")
                expr = self.node("filter", t.pos, (expr, cond), (expr, cond))
            elif t.is_op("."):
                self.next()
                name = self.name_text(stop=(), allow_keywords=False)
                expr = self.node("path", t.pos, (expr, name), (expr,))
            elif t.is_op("("):
                expr = self.invocation(expr)
            else:
                return expr

    def invocation(self, callee: Node) -> Node:
        t = self.expect_op("(")
        saved, self.no_filter = self.no_filter, False
        named = self.looks_named()
        args: list[Any] = []
        while not self.peek().is_op(")"):
            if named:
                pname = self.name_text(stop=())
                self.expect_op(":")
                args.append((pname, self.expression()))
            else:
                args.append(self.expression())
            if not self.peek().is_op(","):
                break
            self.next()
        self.expect_op(")")
        self.no_filter = saved
        children = tuple(a[1] if named else a for a in args)
        return self.node("call", t.pos, (callee, tuple(args), named), (callee, *children))

    def looks_named(self) -> bool:
        k = 0
        while self.peek(k).kind in ("name", "qname"):
            k += 1
        return k > 0 and self.peek(k).is_op(":")

    def endpoint(self) -> Node:
        saved, self.no_filter = self.no_filter, True
        try:
            return self.additive()
        finally:
            self.no_filter = saved

    def range_close(self, pos: int, start: Node | None, end: Node | None, start_included: bool) -> Node:
        t = self.next()
        if t.is_op("]"):
            end_included = True
        elif t.is_op(")") or t.is_op("["):
            end_included = False
        else:
            raise self.error(
                f"expected ']', ')' or '[' to close the range but found {self.describe(t)}", t.pos
            )
        return self.node("range", pos, (start, end, start_included, end_included), (start, end))

    # -- primaries -------------------------------------------------------------------
    def primary(self) -> Node:
        t = self.peek()
        if t.kind == "num":
            self.next()
            if len(t.value) > MAX_NUMBER_DIGITS:
                raise self.error(f"number literal longer than {MAX_NUMBER_DIGITS} digits", t.pos)
            try:
                return self.node("num", t.pos, (Decimal(t.value),))
            except InvalidOperation as exc:
                raise self.error(f"invalid number {t.value!r}", t.pos) from exc
        if t.kind == "str":
            self.next()
            return self.node("str", t.pos, (t.value,))
        if t.kind == "qname":
            self.next()
            return self.node("name", t.pos, (t.value,))
        if t.kind == "name":
            if t.value in ("true", "false"):
                self.next()
                return self.node("bool", t.pos, (t.value == "true",))
            if t.value == "null":
                self.next()
                return self.node("null", t.pos)
            if t.value in ("if", "for", "some", "every", "function"):
                return self.expression()
            if t.value in ("and", "or") and self.peek(1).is_op("("):
                self.next()
                return self.node("name", t.pos, (t.value,))
            if t.value in KEYWORDS:
                raise self.error(f"unexpected keyword '{t.value}'")
            return self.node("name", t.pos, (self.name_text(stop=(), allow_keywords=False),))
        if t.is_op("@"):
            self.next()
            s = self.peek()
            if s.kind != "str":
                raise self.error("expected a string after '@'")
            self.next()
            return self.node("at", t.pos, (s.value,))
        if t.is_op("("):
            self.next()
            saved, self.no_filter = self.no_filter, False
            inner = self.expression()
            self.no_filter = saved
            if self.peek().is_op(".."):
                self.next()
                end = self.endpoint()
                return self.range_close(t.pos, inner, end, start_included=False)
            self.expect_op(")")
            return inner
        if t.is_op("]"):
            self.next()
            start = self.endpoint()
            self.expect_op("..")
            end = self.endpoint()
            return self.range_close(t.pos, start, end, start_included=False)
        if t.is_op("["):
            return self.list_or_range()
        if t.is_op("{"):
            return self.context()
        if t.kind == "op" and t.value in ("<", "<=", ">", ">="):
            # a unary comparison used as a range value ("x in < 5" or "range(...)" style)
            self.next()
            operand = self.endpoint()
            return self.node("utest_cmp", t.pos, (t.value, operand), (operand,))
        if t.is_op("?"):
            self.next()
            return self.node("name", t.pos, ("?",))
        raise self.error(f"unexpected {self.describe(t)}")

    def list_or_range(self) -> Node:
        t = self.next()
        saved, self.no_filter = self.no_filter, False
        try:
            if self.peek().is_op("]"):
                self.next()
                return self.node("list", t.pos, ((),))
            first = self.expression()
            if self.peek().is_op(".."):
                self.next()
                end = self.endpoint()
                return self.range_close(t.pos, first, end, start_included=True)
            items = [first]
            while self.peek().is_op(","):
                self.next()
                items.append(self.expression())
            self.expect_op("]")
            return self.node("list", t.pos, (tuple(items),), tuple(items))
        finally:
            self.no_filter = saved

    def context(self) -> Node:
        t = self.next()
        entries: list[tuple[str, Node]] = []
        while not self.peek().is_op("}"):
            k = self.peek()
            if k.kind == "str":
                self.next()
                key = k.value
            else:
                key = self.context_key()
            self.expect_op(":")
            entries.append((key, self.expression()))
            if not self.peek().is_op(","):
                break
            self.next()
        self.expect_op("}")
        return self.node("context", t.pos, (tuple(entries),), tuple(v for _, v in entries))

    def context_key(self) -> str:
        """A context key may hold characters names cannot (``{foo+bar: 1}``): read up to the colon."""
        first = self.peek()
        if first.kind not in ("name", "qname"):
            raise self.error(f"expected a context key but found {self.describe(first)}")
        if first.kind == "qname":
            self.next()
            return first.value
        last = first
        while not self.peek().is_op(":"):
            t = self.peek()
            if t.kind == "eof" or t.is_op(",") or t.is_op("}") or t.kind == "str":
                raise self.error(f"expected ':' after the context key but found {self.describe(t)}")
            last = self.next()
        return self.source[first.pos : last.end]

    def name_text(self, stop: tuple[str, ...], allow_keywords: bool = False) -> str:
        """Read a (possibly multi-word) name starting at the current token."""
        t = self.peek()
        if t.kind == "qname":
            self.next()
            return t.value
        if t.kind != "name":
            raise self.error(f"expected a name but found {self.describe(t)}")
        for known in self.known_names if self.known_names else ():
            end = t.pos + len(known)
            if self.source.startswith(known, t.pos):
                k = 0
                while self.peek(k).kind != "eof" and self.peek(k).end < end:
                    k += 1
                if self.peek(k).end == end and self.peek(k).kind != "eof":
                    self.i += k + 1
                    return known
        for words in KEYWORD_NAMES if t.value in _KEYWORD_NAME_STARTS else ():
            n = len(words)
            if all(self.peek(k).kind == "name" and self.peek(k).value == w for k, w in enumerate(words)) and (
                self.peek(n).is_op("(") or allow_keywords
            ):
                self.i += n
                return " ".join(words)
        if t.value in KEYWORDS and not allow_keywords:
            raise self.error(f"expected a name but found keyword '{t.value}'")
        words_out = [self.next().value]
        while True:
            nxt = self.peek()
            if (
                (nxt.kind == "name" and nxt.value not in KEYWORDS and nxt.value not in stop)
                or (nxt.kind == "num" and nxt.value.isdigit())
                or (allow_keywords and nxt.kind == "name" and not self.peek(1).is_op("("))
            ):
                words_out.append(self.next().value)
            else:
                return " ".join(words_out)


def parse_expression(source: str, known_names: tuple[str, ...] = ()) -> Node:
    return Parser(source, known_names).parse()


def parse_unary_tests(source: str, known_names: tuple[str, ...] = ()) -> Node:
    return Parser(source, known_names).parse_unary_tests()
