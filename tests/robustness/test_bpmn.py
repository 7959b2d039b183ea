"""`xietong bpmn check` on files that are not BPMN, and `bpmn generate` refusing or interrupted:
findings name file, element and line; a refused or interrupted run leaves no half-written file."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.robustness.helpers import assert_no_traceback, invoke, tree_digest
from xietong.catalog.loader import Catalog, load_catalog_or_raise
from xietong.generator.generate import MANIFEST_NAME, Output, build_outputs, generate
from xietong.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "bpmn/siyang/siyang_joint_enforcement.bpmn"


def check(*files: Path) -> tuple[int, list[str]]:
    run = invoke("bpmn", "check", "--no-lint", *map(str, files))
    return run.code, run.out.splitlines()


def variant(tmp_path: Path, name: str, change: object) -> Path:
    text = MODEL.read_text(encoding="utf-8")
    changed = change(text)  # type: ignore[operator]
    assert changed != text, "the edit did not apply"
    path = tmp_path / name
    path.write_text(changed, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_not_xml(tmp_path: Path) -> None:
    path = tmp_path / "junk.bpmn"
    path.write_text("not xml at all", encoding="utf-8")
    assert check(path) == (1, [
        f"{path}: -: error [xietong/parse] cannot read the file as XML: Start tag expected, '<' not found, "
        "line 1, column 1 (<string>, line 1)",
        "1 files, 1 errors, 0 warnings",
    ])


def test_truncated_xml_names_the_line_where_it_stops(tmp_path: Path) -> None:
    path = tmp_path / "truncated.bpmn"
    path.write_bytes(MODEL.read_bytes()[:2000].rsplit(b"\n", 1)[0] + b"\n")
    code, lines = check(path)
    assert code == 1 and lines[-1] == "1 files, 1 errors, 0 warnings"
    assert re.fullmatch(rf"{re.escape(str(path))}: -: error \[xietong/parse\] cannot read the file as XML: "
                        r".*line \d+, column \d+.*", lines[0]), lines


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.bpmn"
    path.write_bytes(bytes(range(256)) * 4)
    code, lines = check(path)
    assert code == 1 and "error [xietong/parse] cannot read the file as XML" in lines[0]


@pytest.mark.node
def test_binary_garbage_is_not_echoed_by_the_linter(tmp_path: Path) -> None:
    """moddle's "unparsable content … detected" quotes the file: control characters would reach the
    terminal, and a long file would fill it."""
    path = tmp_path / "garbage.bpmn"
    path.write_bytes(b"<" + bytes(range(1, 32)) * 400)
    run = invoke("bpmn", "check", str(path))
    lines = run.out.splitlines()
    assert run.code == 1 and any("[moddle/parse] unparsable content" in line for line in lines), lines
    assert all(line.isprintable() and len(line) < 500 for line in lines), lines


def test_unknown_job_type_names_element_and_line(tmp_path: Path) -> None:
    path = variant(tmp_path, "unknown-type.bpmn",
                   lambda t: t.replace('type="xietong.transfer"', 'type="xietong.nosuch"', 1))
    code, lines = check(path)
    assert code == 1
    line = line_of(path, 'type="xietong.nosuch"')
    assert any(entry.startswith(f"{path}: forward_to_legal: error [xietong/unknown-task-type] job type "
                                "'xietong.nosuch' is not in the task-type catalog")
               and entry.endswith(f"(line {line})") for entry in lines), lines


def test_a_missing_header_names_the_header(tmp_path: Path) -> None:
    path = variant(tmp_path, "no-header.bpmn",
                   lambda t: t.replace('<zeebe:header key="toDepartment" value="泗阳县司法局"/>', "", 1))
    code, lines = check(path)
    line = line_of(path, 'type="xietong.transfer"')
    assert code == 1
    assert (f"{path}: forward_to_legal: error [xietong/missing-header] xietong.transfer requires the task "
            f"header 'toDepartment' (line {line})") in lines


def test_feel_that_does_not_parse(tmp_path: Path) -> None:
    path = variant(tmp_path, "bad-feel.bpmn",
                   lambda t: t.replace('=entry = "leader_directed"', "=entry = = ((", 1))
    code, lines = check(path)
    line = line_of(path, "=entry = = ((")
    assert code == 1
    assert (f"{path}: Flow_Start_route_leader_directed: error [xietong/feel-syntax] conditionExpression: "
            f"FEEL does not parse: unexpected '=' (line 1, column 9) (line {line})") in lines


def test_xml_that_is_not_bpmn(tmp_path: Path) -> None:
    path = tmp_path / "other.bpmn"
    path.write_text("<a/>", encoding="utf-8")
    code, lines = check(path)
    assert code == 1 and "error" in lines[0] and "definitions" in lines[0]


def test_a_file_that_does_not_exist() -> None:
    run = invoke("bpmn", "check", "--no-lint", "/nonexistent/model.bpmn")
    assert run.code == 2
    assert "Invalid value for '[FILES]...': File '/nonexistent/model.bpmn' does not exist." in run.err


# -- generate --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> tuple[Catalog, list[Output]]:
    """Three mechanisms of the real catalog: enough files to interrupt, fast to build."""
    catalog = load_catalog_or_raise(PROJECT_ROOT / "config")
    keep = sorted(m for m in catalog.mechanisms if m.startswith("eshan_"))[:3]
    catalog = dataclasses.replace(catalog, mechanisms={k: catalog.mechanisms[k] for k in keep})
    outputs = build_outputs(catalog)
    assert len(outputs) >= 3
    return catalog, outputs


@pytest.fixture
def generated(tmp_path: Path, small: tuple[Catalog, list[Output]]) -> Iterator[Path]:
    out = tmp_path / "bpmn"
    catalog, outputs = small
    report = generate(catalog, out, outputs=outputs)
    assert len(report.written) == len(outputs)
    yield out


def test_generate_refuses_a_hand_edited_file_and_writes_nothing(generated: Path,
                                                                small: tuple[Catalog, list[Output]]) -> None:
    catalog, outputs = small
    edited = generated / outputs[0].path
    edited.write_text(edited.read_text(encoding="utf-8").replace('name="', 'name="改 ', 1), encoding="utf-8")
    (generated / outputs[1].path).unlink()  # a missing file would be written, but not while one is refused
    before = tree_digest(generated)
    report = generate(catalog, generated, outputs=outputs)
    assert [r.path for r in report.refused] == [outputs[0].path] and report.written == []
    assert tree_digest(generated) == before


def test_a_broken_manifest_is_a_one_line_error(generated: Path) -> None:
    (generated / MANIFEST_NAME).write_text('{"files": {', encoding="utf-8")
    before = tree_digest(generated)
    run = invoke("bpmn", "generate", "--out", str(generated))
    assert_no_traceback(run)
    assert run.code == 1
    assert f"{generated / MANIFEST_NAME}: not valid JSON" in run.err and "delete it to regenerate" in run.err
    assert tree_digest(generated) == before


class Interrupted(BaseException):
    """Stands for Ctrl-C or a kill arriving in the middle of a write."""


def interrupt_writes(monkeypatch: pytest.MonkeyPatch, name_matches: str) -> None:
    """The next write to a file whose name contains ``name_matches`` lands half its bytes and stops."""
    real = Path.write_bytes

    def half_then_stop(self: Path, data: bytes) -> int:
        if name_matches in self.name:
            real(self, data[: len(data) // 2])
            raise Interrupted
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", half_then_stop)


def test_an_interrupted_model_write_leaves_the_old_model_whole(
    generated: Path, monkeypatch: pytest.MonkeyPatch, small: tuple[Catalog, list[Output]]
) -> None:
    catalog, outputs = small
    target = generated / outputs[0].path
    target.unlink()  # so the next run writes it
    shutil.copy(generated / outputs[1].path, target)  # an old, complete model in its place
    old = target.read_bytes()
    # the old model is not the generator's own: write with force, interrupted mid-file
    interrupt_writes(monkeypatch, ".tmp")
    with pytest.raises(Interrupted):
        generate(catalog, generated, force=True, outputs=outputs)
    monkeypatch.undo()
    assert target.read_bytes() == old  # temp file + rename: the target is never half-written


def test_an_interrupted_model_write_leaves_no_temp_file(generated: Path, monkeypatch: pytest.MonkeyPatch,
                                                        small: tuple[Catalog, list[Output]]) -> None:
    catalog, outputs = small
    (generated / outputs[0].path).unlink()
    interrupt_writes(monkeypatch, ".tmp")
    with pytest.raises(Interrupted):
        generate(catalog, generated, outputs=outputs)
    monkeypatch.undo()
    assert sorted(p.name for p in generated.rglob("*.tmp")) == []


def test_an_interrupted_manifest_write_keeps_the_old_manifest(
    generated: Path, monkeypatch: pytest.MonkeyPatch, small: tuple[Catalog, list[Output]]
) -> None:
    catalog, outputs = small
    manifest = generated / MANIFEST_NAME
    old = manifest.read_bytes()
    manifest.write_bytes(old.replace(b'"files"', b'"comment2": "stale", "files"', 1))  # forces a rewrite
    stale = manifest.read_bytes()
    interrupt_writes(monkeypatch, MANIFEST_NAME)
    with pytest.raises(Interrupted):
        generate(catalog, generated, outputs=outputs)
    monkeypatch.undo()
    assert manifest.read_bytes() in (stale, old)


def test_generate_into_a_directory_that_cannot_exist(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    run = invoke("bpmn", "generate", "--out", str(tmp_path / "afile" / "sub"))
    assert run.code == 1 and str(tmp_path / "afile" / "sub") in run.err
