"""Every FEEL expression in the project's generated BPMN models parses and evaluates here."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from xietong.engine.feel import FeelEvaluationError, compile_expression

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def model_expressions() -> dict[str, str]:
    """FEEL source (without '=') -> the first model file using it."""
    found: dict[str, str] = {}
    for path in sorted(BPMN_DIR.rglob("*.bpmn")):
        for el in etree.parse(str(path)).getroot().iter():
            values = list(el.attrib.values())
            if isinstance(el.tag, str) and el.text:
                values.append(el.text)
            for v in values:
                text = v.strip()
                if text.startswith("="):
                    found.setdefault(text[1:], str(path.relative_to(BPMN_DIR)))
    return found


@pytest.mark.skipif(not any(BPMN_DIR.rglob("*.bpmn")), reason="no generated models in bpmn/")
def test_generated_model_expressions_compile_and_evaluate() -> None:
    expressions = model_expressions()
    assert expressions
    for source, where in expressions.items():
        compiled = compile_expression(source)  # a FeelSyntaxError here names the model and the text
        try:
            compiled.evaluate({})
        except FeelEvaluationError as exc:  # pragma: no cover - the assertion message is the point
            raise AssertionError(f"{where}: {source!r} failed with no variables: {exc}") from exc
