"""DMN TCK conformance runner for the FEEL parts of the TCK.

A test case counts as a FEEL case when every decision it needs is a literal expression or a boxed
expression (context, list, relation, invocation, function definition, conditional, filter, iterator)
and every business knowledge model it calls is one too; decision tables, decision services and
imports are skipped and counted separately. Boxed expressions are translated to the FEEL text they
stand for, then compiled with the normal compiler.

Run ``python -m xietong.feel.tck [TCK_DIR] [--failures]``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from xietong.settings import PROJECT_ROOT

from .api import compile_expression
from .errors import FeelError
from .tck_tables import TableError, evaluate_table
from .temporal import parse_date, parse_datetime, parse_iso_duration, parse_time
from .values import DECIMAL, FeelFunction, equals, to_string

DEFAULT_TCK = PROJECT_ROOT.parent / "shared" / "conformance" / "dmn-tck"
CAMUNDA_RESULTS = Path("TestResults/CamundaDmnScala/1.9.0/tck_results.csv")
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


class Unsupported(Exception):
    """The model needs something that is not a FEEL expression (decision table, service, import)."""


def local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def children(el: Any, name: str) -> list[Any]:
    return [c for c in el if local(c) == name]


def child(el: Any, name: str) -> Any:
    found = children(el, name)
    return found[0] if found else None


def quote_name(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def backtick(name: str) -> str:
    """A parameter name as FEEL source: names FEEL cannot spell plainly (``Pre-bureauRisk``) in backticks."""
    return name if name.replace(" ", "").replace("_", "").isalnum() else f"`{name}`"


# -- boxed expressions -> FEEL text ----------------------------------------------------
_EXPRESSION_KINDS = (
    "literalExpression",
    "context",
    "list",
    "relation",
    "invocation",
    "functionDefinition",
    "conditional",
    "filter",
    "for",
    "some",
    "every",
)


def expression_of(el: Any) -> Any:
    for c in el:
        if local(c) in _EXPRESSION_KINDS or local(c) == "decisionTable":
            return c
    return None


def to_feel(el: Any) -> str:
    """The FEEL text a boxed expression stands for."""
    kind = local(el)
    if kind == "literalExpression":
        text = child(el, "text")
        return "(" + ((text.text or "") if text is not None else "null") + "\n)"
    if kind == "context":
        parts: list[str] = []
        result: str | None = None
        for entry in children(el, "contextEntry"):
            var = child(entry, "variable")
            expr = expression_of(entry)
            value = to_feel(expr) if expr is not None else "null"
            if var is None:
                result = value
            else:
                parts.append(f"{quote_name(var.get('name'))}: {value}")
        if result is not None:
            parts.append(f'"__result__": {result}')
            return "({" + ", ".join(parts) + '}."__result__")'.replace('."__result__"', ".__result__")
        return "{" + ", ".join(parts) + "}"
    if kind == "list":
        return "[" + ", ".join(to_feel(c) for c in el if local(c) in _EXPRESSION_KINDS) + "]"
    if kind == "relation":
        cols = [c.get("name") for c in children(el, "column")]
        rows = []
        for row in children(el, "row"):
            cells = [to_feel(c) for c in row if local(c) in _EXPRESSION_KINDS]
            rows.append(
                "{" + ", ".join(f"{quote_name(k)}: {v}" for k, v in zip(cols, cells, strict=False)) + "}"
            )
        return "[" + ", ".join(rows) + "]"
    if kind == "functionDefinition":
        if el.get("kind") not in (None, "FEEL"):
            raise Unsupported(f"{el.get('kind')} function definition")
        params = [p.get("name") for p in children(el, "formalParameter")]
        body = expression_of(el)
        text = to_feel(body) if body is not None else "null"
        return f"(function({', '.join(backtick(p) for p in params)}) {text})"
    if kind == "invocation":
        callee = expression_of(el)
        name = callee.find("{*}text").text.strip() if callee is not None else ""
        args = []
        for b in children(el, "binding"):
            p = child(b, "parameter").get("name")
            expr = expression_of(b)
            args.append(f"{backtick(p)}: {to_feel(expr) if expr is not None else 'null'}")
        return f"{name}({', '.join(args)})"
    if kind == "conditional":
        # a boxed conditional whose condition is not a boolean is null (DMN 1.5 §8.3.5)
        operands = {local(c): to_feel(expression_of(c)) for c in el}
        return (
            f'({{"__c__": {operands["if"]}, "__r__": if __c__ = true then {operands["then"]} '
            f"else if __c__ = false then {operands['else']} else null}}.__r__)"
        )
    if kind == "filter":
        operands = {local(c): to_feel(expression_of(c)) for c in el}
        return f"({operands['in']}[{operands['match']}])"
    if kind in ("for", "some", "every"):
        var = el.get("iteratorVariable")
        operands = {local(c): to_feel(expression_of(c)) for c in el}
        if kind == "for":
            return f"(for {var} in {operands['in']} return {operands['return']})"
        return f"({kind} {var} in {operands['in']} satisfies {operands['satisfies']})"
    raise Unsupported(f"{kind} is not a FEEL expression")


# -- the model --------------------------------------------------------------------------
@dataclass
class Model:
    decisions: dict[str, Any] = field(default_factory=dict)  # id -> element
    bkms: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # id -> name
    by_name: dict[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] = ()
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Model:
        root = etree.parse(str(path)).getroot()
        m = cls()
        for el in root:
            kind = local(el)
            if kind == "decision":
                m.decisions[el.get("id")] = el
                m.by_name[el.get("name")] = el
            elif kind == "businessKnowledgeModel":
                m.bkms[el.get("id")] = el
                m.by_name[el.get("name")] = el
            elif kind == "inputData":
                m.inputs[el.get("id")] = el.get("name")
        all_names = list(m.inputs.values()) + [e.get("name") for e in m.by_name.values()]
        # parameters and context entries may be spelled like "Pre-Bureau Risk Category" as well
        all_names += [e.get("name") for e in root.iter() if local(e) in ("formalParameter", "variable")]
        m.names = tuple(n for n in all_names if n and not n.replace("_", "").isalnum())
        return m

    def ref(self, el: Any) -> str:
        href = el.get("href") or ""
        if "#" in href and not href.startswith("#"):
            raise Unsupported("imported element")
        return href.lstrip("#")

    def compiled(self, key: str, source: str) -> Any:
        if key not in self.cache:
            self.cache[key] = compile_expression(source, known_names=self.names)
        return self.cache[key]

    def bkm_function(self, bkm: Any, scope: dict[str, Any]) -> FeelFunction:
        logic = child(bkm, "encapsulatedLogic")
        if logic is None:
            raise Unsupported("BKM without logic")
        if logic.get("kind") not in (None, "FEEL"):
            raise Unsupported(f"{logic.get('kind')} BKM")
        body = expression_of(logic)
        if body is None:
            raise Unsupported("BKM without logic")
        params = [p.get("name") for p in children(logic, "formalParameter")]
        if local(body) == "decisionTable":
            outer = dict(scope)
            self.add_knowledge(bkm, outer)

            def invoke(
                ctx: Any, args: list[Any], named: dict[str, Any] | None = None, pos: Any = None
            ) -> Any:
                frame = dict(outer)
                frame.update(named if named is not None else dict(zip(params, args, strict=False)))
                try:
                    return evaluate_table(body, frame, self.names)
                except TableError:
                    return None

            return FeelFunction(bkm.get("name"), tuple(params), invoke)
        source = f"function({', '.join(backtick(p) for p in params)}) {to_feel(body)}"
        local_scope = dict(scope)
        self.add_knowledge(bkm, local_scope)
        function: FeelFunction = self.compiled("bkm:" + bkm.get("id"), source).evaluate(local_scope)
        return function

    def add_knowledge(self, el: Any, scope: dict[str, Any]) -> None:
        for req in children(el, "knowledgeRequirement"):
            target = self.ref(child(req, "requiredKnowledge"))
            bkm = self.bkms.get(target)
            if bkm is None:
                raise Unsupported("required knowledge is not a BKM")
            scope[bkm.get("name")] = self.bkm_function(bkm, scope)

    def check(self, decision: Any, seen: set[str] | None = None, tables: bool = False) -> None:
        """Raise Unsupported unless the decision and everything it needs are FEEL expressions (and, with
        ``tables``, decision tables)."""
        seen = seen if seen is not None else set()
        if decision.get("id") in seen:
            return
        seen.add(decision.get("id"))
        body = expression_of(decision)
        if body is None:
            raise Unsupported("decision without logic")
        if local(body) == "decisionTable":
            if not tables:
                raise Unsupported("decision table")
        else:
            to_feel(body)
        for req in children(decision, "informationRequirement"):
            rd = child(req, "requiredDecision")
            if rd is not None:
                target = self.decisions.get(self.ref(rd))
                if target is None:
                    raise Unsupported("unknown required decision")
                self.check(target, seen, tables)
            ri = child(req, "requiredInput")
            if ri is not None and self.ref(ri) not in self.inputs:
                raise Unsupported("unknown input")
        for req in children(decision, "knowledgeRequirement"):
            bkm = self.bkms.get(self.ref(child(req, "requiredKnowledge")))
            if bkm is None:
                raise Unsupported("required knowledge is not a BKM")
            logic = child(bkm, "encapsulatedLogic")
            body = expression_of(logic) if logic is not None else None
            if body is None:
                raise Unsupported("BKM without logic")
            if local(body) == "decisionTable":
                if not tables:
                    raise Unsupported("BKM body is a decision table")
            else:
                to_feel(body)

    def evaluate(self, decision: Any, inputs: dict[str, Any], results: dict[str, Any]) -> Any:
        did = decision.get("id") or decision.get("name")
        if did in results:
            return results[did]
        scope: dict[str, Any] = {}
        for req in children(decision, "informationRequirement"):
            rd = child(req, "requiredDecision")
            if rd is not None:
                target = self.decisions[self.ref(rd)]
                scope[target.get("name")] = self.evaluate(target, inputs, results)
            ri = child(req, "requiredInput")
            if ri is not None:
                name = self.inputs[self.ref(ri)]
                scope[name] = inputs.get(name)
        self.add_knowledge(decision, scope)
        body = expression_of(decision)
        try:
            if local(body) == "decisionTable":
                value = evaluate_table(body, scope, self.names)
            else:
                value = self.compiled("decision:" + did, to_feel(body)).evaluate(scope)
        except (FeelError, TableError):
            value = None
        results[did] = value
        return value


# -- test files ---------------------------------------------------------------------------
def parse_scalar(el: Any) -> Any:
    if el.get(XSI_NIL) == "true":
        return None
    text = el.text or ""
    t = (el.get(XSI_TYPE) or "").split(":")[-1]
    try:
        if t in ("decimal", "double", "integer", "int", "long", "float"):
            if text.strip() in ("NaN", "INF", "-INF"):
                return None
            return Decimal(text.strip())
        if t == "boolean":
            return text.strip() == "true"
        if t == "date":
            return parse_date(text.strip())
        if t == "dateTime":
            return parse_datetime(text.strip())
        if t == "time":
            return parse_time(text.strip())
        if t == "duration":
            return parse_iso_duration(text.strip())
    except (ValueError, InvalidOperation):
        return ("unparsable", text)
    return text


def parse_holder(el: Any) -> Any:
    """The value inside an inputNode/expected/item/component element."""
    value = child(el, "value")
    if value is not None:
        return parse_scalar(value)
    lst = child(el, "list")
    if lst is not None:
        return [parse_holder(item) for item in children(lst, "item")]
    comps = children(el, "component")
    if comps:
        return {c.get("name"): parse_holder(c) for c in comps}
    if el.get(XSI_NIL) == "true":
        return None
    return None


def same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, tuple):
        return False
    if isinstance(expected, Decimal) and isinstance(actual, Decimal):
        if expected == actual:
            return True
        try:
            # expected values are often printed from doubles or cut to a few decimals: accept the actual
            # value rounded to the expected value's decimals, or equal to ~10 significant digits
            exponent = expected.as_tuple().exponent
            if (
                isinstance(exponent, int)
                and exponent < 0
                and actual.quantize(Decimal(1).scaleb(exponent)) == expected
            ):
                return True
            tolerance = DECIMAL.multiply(Decimal("1e-10"), max(Decimal(1), abs(expected)))
            return DECIMAL.abs(DECIMAL.subtract(expected, actual)) <= tolerance
        except InvalidOperation:
            return False
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(expected) == set(actual)
            and all(same(v, actual[k]) for k, v in expected.items())
        )
    if expected is None:
        return actual is None
    if type(expected) is not type(actual):
        return False
    return equals(expected, actual) is True


@dataclass
class CaseResult:
    key: tuple[str, str, str]
    status: str  # "passed" | "failed" | "skipped"
    reason: str = ""
    kind: str = "feel"  # "feel": FEEL expressions only; "table": needs a decision table


def run_file(folder: Path, test_file: Path, model: Model | None, load_error: str) -> Iterator[CaseResult]:
    root = etree.parse(str(test_file)).getroot()
    group = f"{folder.parent.name}/{folder.name}"
    for case in children(root, "testCase"):
        key = (group, test_file.stem, case.get("id"))
        if model is None:
            yield CaseResult(key, "skipped", load_error)
            continue
        if case.get("type") not in (None, "decision"):
            yield CaseResult(key, "skipped", f"{case.get('type')} invocation")
            continue
        inputs = {n.get("name"): parse_holder(n) for n in children(case, "inputNode")}
        kind = "feel"
        nodes = children(case, "resultNode")
        try:
            for node in nodes:
                decision = model.by_name.get(node.get("name"))
                if decision is None or local(decision) != "decision":
                    raise Unsupported("result node is not a decision")
                try:
                    model.check(decision)
                except Unsupported:
                    model.check(decision, tables=True)
                    kind = "table"
        except Unsupported as exc:
            yield CaseResult(key, "skipped", str(exc))
            continue
        results: dict[str, Any] = {}
        failure = ""
        for node in nodes:
            decision = model.by_name[node.get("name")]
            expected_el = child(node, "expected")
            expected = parse_holder(expected_el) if expected_el is not None else None
            try:
                actual = model.evaluate(decision, inputs, results)
            except FeelError as exc:
                actual = None
                if node.get("errorResult") != "true":
                    failure = f"{node.get('name')}: {exc}"
                    break
            except Unsupported as exc:
                failure = ""
                yield CaseResult(key, "skipped", str(exc), kind)
                break
            except Exception as exc:  # a crash is a failure of this case, reported, never hidden
                failure = f"{node.get('name')}: crashed with {type(exc).__name__}: {exc}"
                break
            if not same(expected, actual):
                text = child(expression_of(decision), "text") if expression_of(decision) is not None else None
                src = (text.text or "").strip() if text is not None else local(expression_of(decision))
                failure = (
                    f"{node.get('name')}: {src[:120]!r} expected {show(expected)} but got {show(actual)}"
                )
                break
        else:
            yield CaseResult(key, "failed" if failure else "passed", failure, kind)
            continue
        if failure:
            yield CaseResult(key, "failed", failure, kind)


def show(value: Any) -> str:
    if isinstance(value, tuple):
        return f"<unparsable {value[1]!r}>"
    if isinstance(value, str):
        return repr(value)
    return f"{to_string(value)} ({type(value).__name__})"


def run_tck(tck_dir: Path = DEFAULT_TCK) -> list[CaseResult]:
    out: list[CaseResult] = []
    for level in ("compliance-level-2", "compliance-level-3"):
        base = tck_dir / "TestCases" / level
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            models = sorted(folder.glob("*.dmn"))
            model: Model | None = None
            error = ""
            if len(models) != 1:
                error = "several models (imports)" if models else "no model"
            else:
                try:
                    model = Model.load(models[0])
                except etree.XMLSyntaxError as exc:
                    error = f"model not readable: {exc}"
            for test_file in sorted(folder.glob("*test*.xml")):
                out.extend(run_file(folder, test_file, model, error))
    return out


def camunda_passes(tck_dir: Path = DEFAULT_TCK) -> set[tuple[str, str, str]]:
    with (tck_dir / CAMUNDA_RESULTS).open(newline="") as f:
        return {(r[0], r[1], r[2]) for r in csv.reader(f) if len(r) >= 4 and r[3] == "SUCCESS"}


@dataclass
class Summary:
    passed: int
    failed: int
    skipped: int
    camunda_passed: int
    camunda_failed: int
    camunda_skipped: int
    failures: list[CaseResult]
    table_passed: int = 0
    table_failed: int = 0
    table_camunda_passed: int = 0
    table_camunda_failed: int = 0


def summarize(results: list[CaseResult], camunda: set[tuple[str, str, str]]) -> Summary:
    """FEEL-expression cases are counted apart from decision-table cases (which exercise unary tests)."""
    feel = [r for r in results if r.status != "skipped" and r.kind == "feel"]
    tables = [r for r in results if r.status != "skipped" and r.kind == "table"]
    sub = [r for r in feel if r.key in camunda]
    return Summary(
        passed=sum(r.status == "passed" for r in feel),
        failed=sum(r.status == "failed" for r in feel),
        skipped=len(results) - len(feel),
        camunda_passed=sum(r.status == "passed" for r in sub),
        camunda_failed=sum(r.status == "failed" for r in sub),
        camunda_skipped=sum(r.status == "skipped" and r.key in camunda for r in results),
        failures=[r for r in feel + tables if r.status == "failed"],
        table_passed=sum(r.status == "passed" for r in tables),
        table_failed=sum(r.status == "failed" for r in tables),
        table_camunda_passed=sum(r.status == "passed" and r.key in camunda for r in tables),
        table_camunda_failed=sum(r.status == "failed" and r.key in camunda for r in tables),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tck_dir", nargs="?", type=Path, default=DEFAULT_TCK)
    parser.add_argument("--failures", action="store_true", help="list every failing case with its reason")
    args = parser.parse_args(argv)
    results = run_tck(args.tck_dir)
    camunda = camunda_passes(args.tck_dir)
    s = summarize(results, camunda)
    if args.failures:
        for r in s.failures:
            mark = "C" if r.key in camunda else " "
            print(f"{mark} {'/'.join(r.key)}: {r.reason}")
        print()
    print(
        f"decision-table cases (unary tests, hit policies): {s.table_passed} passed / {s.table_failed} failed"
        f" (Camunda-passed: {s.table_camunda_passed} passed / {s.table_camunda_failed} failed)"
    )
    print(f"not FEEL-expression cases (decision tables above, services, imports): {s.skipped}")
    print(f"Camunda-passed subset (skipped there: {s.camunda_skipped}):")
    print(f"camunda: {s.camunda_passed} passed, {s.camunda_failed} failed")
    print("all FEEL cases:")
    print(f"{s.passed} passed, {s.failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
