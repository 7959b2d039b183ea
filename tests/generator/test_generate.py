"""`generate` over the real catalog: one file per process, idempotent, and designers' edits are safe."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from lxml import etree

from xietong.catalog.loader import Catalog
from xietong.generator.generate import MANIFEST_NAME, Output, generate
from xietong.settings import PROJECT_ROOT


def test_every_mechanism_is_covered_once(catalog: Catalog, outputs: list[Output]) -> None:
    paths = [o.path for o in outputs]
    assert len(paths) == len(set(paths))
    items = [m for m in catalog.mechanisms.values() if m.kind.value == "joint_enforcement_item"]
    own = [
        m
        for m in catalog.mechanisms.values()
        if m.kind.value not in ("joint_enforcement_item", "joint_enforcement_flow")
    ]
    assert {f"{m.jurisdiction}/{m.id}.bpmn" for m in own} <= set(paths)
    if items:  # 泗阳: ONE process for all items, not one copy each
        assert not any(f"/{m.id}.bpmn" in p for m in items for p in paths)


def test_siyang_items_parameterise_one_process(outputs: list[Output]) -> None:
    [siyang] = [o for o in outputs if o.path == "siyang/siyang_joint_enforcement.bpmn"]
    root = etree.fromstring(siyang.content)
    [table] = root.xpath("//*[local-name()='output'][@target='jointItem']/@source")
    assert table.count("number: ") == 39
    assert '{number: 1, title: "农贸市场安全方面的综合执法", lead: "泗阳县市场监督管理局"' in table


def test_generate_twice_writes_nothing_the_second_time(
    catalog: Catalog, tmp_path: Path, outputs: list[Output]
) -> None:
    first = generate(catalog, tmp_path, outputs=outputs)
    assert first.written and not first.refused
    second = generate(catalog, tmp_path, outputs=outputs)
    assert second.written == [] and sorted(second.unchanged) == sorted(first.written)
    assert (tmp_path / MANIFEST_NAME).is_file()


def _edit_first(out: Path, outputs: list[Output]) -> tuple[Path, str]:
    path = out / outputs[0].path
    root = etree.parse(str(path))
    task = root.xpath("//*[local-name()='userTask']")[0]
    task.set("name", task.get("name") + "（设计人员改）")
    root.write(str(path), xml_declaration=True, encoding="UTF-8")
    return path, task.get("id")


def test_hand_edit_is_refused_with_the_element_named(
    catalog: Catalog, tmp_path: Path, outputs: list[Output]
) -> None:
    generate(catalog, tmp_path, outputs=outputs)
    path, element_id = _edit_first(tmp_path, outputs)
    edited = path.read_bytes()
    # the generator would write something else now: pretend the catalog changed by dropping the file's twin
    path.write_bytes(edited.replace(b'exporterVersion="1"', b'exporterVersion="1" '))
    report = generate(catalog, tmp_path, outputs=outputs)
    assert [r.changes.changed for r in report.refused if r.changes] == [[element_id]]
    assert report.written == []
    assert element_id in str(report.refused[0])


def test_without_manifest_the_fingerprint_still_detects_edits(
    catalog: Catalog, tmp_path: Path, outputs: list[Output]
) -> None:
    generate(catalog, tmp_path, outputs=outputs)
    (tmp_path / MANIFEST_NAME).unlink()
    _edit_first(tmp_path, outputs)
    report = generate(catalog, tmp_path, outputs=outputs)
    assert len(report.refused) == 1 and "fingerprint differs" in report.refused[0].reason


def test_force_overwrites_hand_edits(catalog: Catalog, tmp_path: Path, outputs: list[Output]) -> None:
    generate(catalog, tmp_path, outputs=outputs)
    path, _ = _edit_first(tmp_path, outputs)
    report = generate(catalog, tmp_path, force=True, outputs=outputs)
    assert report.written == [str(path.relative_to(tmp_path))] and not report.refused
    assert generate(catalog, tmp_path, outputs=outputs).written == []


def test_foreign_file_at_a_target_path_is_refused(
    catalog: Catalog, tmp_path: Path, outputs: list[Output]
) -> None:
    target = tmp_path / outputs[0].path
    target.parent.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "tests" / "generator" / "conftest.py", target)
    report = generate(catalog, tmp_path, outputs=outputs)
    assert report.refused and "not parseable XML" in report.refused[0].reason


def test_committed_bpmn_is_fresh(outputs: list[Output]) -> None:
    """bpmn/ in git is exactly what `xietong bpmn generate` makes from the committed catalog."""
    from xietong.generator.generate import manifest_bytes
    from xietong.generator.templates import template_files

    bpmn_dir = PROJECT_ROOT / "bpmn"
    stale = [
        o.path
        for o in outputs
        if not (bpmn_dir / o.path).is_file() or (bpmn_dir / o.path).read_bytes() != o.content
    ]
    assert not stale, f"bpmn/ is stale for {stale[:10]}: run `xietong bpmn generate`"
    extra = sorted(
        str(p.relative_to(bpmn_dir))
        for p in bpmn_dir.glob("*/*.bpmn")
        if str(p.relative_to(bpmn_dir)) not in {o.path for o in outputs} and p.parent.name != "custom"
    )
    assert not extra, f"bpmn/ has files no catalog entry produces: {extra}"
    assert (bpmn_dir / MANIFEST_NAME).read_bytes() == manifest_bytes(outputs)
    for name, content in template_files().items():
        assert (bpmn_dir / "element-templates" / name).read_bytes() == content, name


def test_untouched_file_is_updated_when_the_catalog_changes(
    catalog: Catalog, tmp_path: Path, outputs: list[Output]
) -> None:
    """An older generated version on disk (manifest agrees with it) is the generator's to replace."""
    import json

    from xietong.generator.fingerprint import element_hashes

    generate(catalog, tmp_path, outputs=outputs)
    first, second = outputs[:2]
    target = tmp_path / first.path
    target.write_bytes(second.content)  # "what the previous catalog produced" for this path
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["files"][first.path] = element_hashes(etree.fromstring(second.content))
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    report = generate(catalog, tmp_path, outputs=outputs)
    assert report.written == [first.path] and not report.refused
    assert target.read_bytes() == first.content


def test_output_does_not_depend_on_the_hash_seed(catalog: Catalog, outputs: list[Output]) -> None:
    """Set iteration order changes with PYTHONHASHSEED; the generated bytes must not."""
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from xietong.catalog.loader import load_catalog_or_raise\n"
        "from xietong.generator.generate import build_outputs\n"
        "outs = build_outputs(load_catalog_or_raise(Path(sys.argv[1])))\n"
        "print(hashlib.sha256(b''.join(o.content for o in outs)).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", script, str(catalog.root)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    ).stdout.split()[-1]
    here = hashlib.sha256(b"".join(o.content for o in outputs)).hexdigest()
    assert other == here


def test_task_headers_hold_no_expressions(outputs: list[Output]) -> None:
    """Zeebe hands headers to workers verbatim: a header may name a variable (``=actingDepartment``),
    which the workers look up, but never hold FEEL to evaluate; that goes into an input mapping."""
    zeebe = "{http://camunda.org/schema/zeebe/1.0}"
    reference = re.compile(r"=[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
    expressions = []
    for output in outputs:
        if not output.path.endswith(".bpmn"):
            continue
        for header in etree.fromstring(output.content).iter(f"{zeebe}header"):
            value = header.get("value", "")
            if value.startswith("=") and not reference.fullmatch(value):
                expressions.append(f"{output.path}: {header.get('key')}={value}")
    assert expressions == []
