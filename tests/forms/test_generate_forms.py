"""`bpmn generate` writes the forms beside their models and protects a designer's edit to a form as it
protects the models: a form opened and saved unchanged in Modeler (reformatted, re-exported) is still
the generator's; a changed field stops generation before anything is written and is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xietong.catalog.loader import Catalog
from xietong.generator.forms import FINGERPRINT_KEY, form_edits, form_hashes
from xietong.generator.generate import MANIFEST_NAME, Output, generate


@pytest.fixture
def generated(catalog: Catalog, outputs: list[Output], tmp_path: Path) -> Path:
    report = generate(catalog, tmp_path, outputs=outputs)
    assert not report.refused
    return tmp_path


def a_decision_form(out: Path) -> Path:
    return next(p for p in sorted(out.rglob("*.form")) if "_decision_" in p.name)


def modeler_resave(path: Path) -> None:
    """What Modeler does to a form it opens and saves: its own exporter, keys in another order, tabs."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["exporter"] = {"name": "Camunda Modeler", "version": "5.40.0"}
    resaved = dict(reversed(list(schema.items())))
    path.write_text(json.dumps(resaved, ensure_ascii=False, indent="\t"), encoding="utf-8")


def test_forms_are_written_beside_their_models_and_recorded(generated: Path) -> None:
    forms = sorted(generated.rglob("*.form"))
    assert forms and all(p.parent.name == "forms" for p in forms)
    assert {p.parent.parent.name for p in forms} == {p.parent.name for p in generated.glob("*/*.bpmn")}
    manifest = json.loads((generated / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
    for path in forms:
        recorded = manifest[path.relative_to(generated).as_posix()]
        assert recorded == form_hashes(json.loads(path.read_text(encoding="utf-8")))
        assert form_edits(path.read_bytes(), recorded) is None


def test_a_form_resaved_unchanged_by_modeler_is_still_the_generators(
    catalog: Catalog, outputs: list[Output], generated: Path
) -> None:
    form = a_decision_form(generated)
    modeler_resave(form)
    report = generate(catalog, generated, outputs=outputs)
    assert not report.refused
    assert form.relative_to(generated).as_posix() in report.written  # put back as the generator writes it


def test_a_designers_edit_to_a_form_stops_generation_and_is_named(
    catalog: Catalog, outputs: list[Output], generated: Path
) -> None:
    form = a_decision_form(generated)
    schema = json.loads(form.read_text(encoding="utf-8"))
    schema["components"][1]["label"] = "设计人员改过的问题"
    form.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    edited = form.read_bytes()
    model = next(generated.rglob("*.bpmn"))
    model.write_bytes(model.read_bytes().replace(b"</bpmn:definitions>", b"</bpmn:definitions>\n"))

    report = generate(catalog, generated, outputs=outputs)
    (refusal,) = report.refused
    assert refusal.path == form.relative_to(generated).as_posix()
    assert refusal.reason == "changed by hand" and refusal.changes is not None
    assert refusal.changes.changed == [schema["components"][1]["id"]]
    assert not report.written and form.read_bytes() == edited  # all or nothing

    report = generate(catalog, generated, force=True, outputs=outputs)
    assert not report.refused and json.loads(form.read_text(encoding="utf-8"))["components"][1]["label"] != (
        "设计人员改过的问题"
    )


def test_without_the_manifest_the_forms_own_fingerprint_decides(generated: Path) -> None:
    form = a_decision_form(generated)
    schema = json.loads(form.read_text(encoding="utf-8"))
    assert form_edits(form.read_bytes(), None) is None
    schema["components"].append({"type": "textfield", "key": "extra", "id": "Field_extra", "label": "加的"})
    edited = json.dumps(schema, ensure_ascii=False).encode()
    reason, _ = form_edits(edited, None)
    assert reason.startswith("changed by hand (fingerprint differs")
    del schema[FINGERPRINT_KEY]
    reason, _ = form_edits(json.dumps(schema).encode(), None)
    assert reason == f"not written by the generator (no {FINGERPRINT_KEY})"
    assert form_edits(b"{broken", None)[0].startswith("not a readable form")
