"""`xietong catalog validate|show|import` on a broken copy of config/: one `file:line: field: message`
per problem, exit 2, and the catalog on disk untouched."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.robustness.helpers import assert_no_traceback, invoke, run_cli, tree_digest
from xietong.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
MECH = Path("mechanisms/siyang/command_flow.yaml")
SOURCE = "001_2fe61fa7fe079855.txt"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target, ignore=shutil.ignore_patterns("yongkang*"))
    return target


def validate(config: Path) -> tuple[int, list[str]]:
    before = tree_digest(config)
    run = invoke("catalog", "validate", env={"XIETONG_CONFIG_DIR": str(config)})
    assert tree_digest(config) == before, "validate wrote to the catalog"
    return run.code, run.out.splitlines()


def edit(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, "the edit did not apply"
    path.write_text(changed, encoding="utf-8")


def line_number(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_the_pristine_copy_is_valid(config: Path) -> None:
    code, lines = validate(config)
    assert code == 0 and lines[0].startswith("catalog valid:")


def test_a_tab_in_indentation_names_file_and_line(config: Path) -> None:
    edit(config / MECH, lambda t: t.replace("\njurisdiction: siyang", "\n\tjurisdiction: siyang", 1))
    code, lines = validate(config)
    assert code == 2
    assert lines == [f"config/{MECH}:3: -: broken YAML: while scanning a plain scalar "
                     "found a tab character that violates indentation"]


def test_an_unclosed_quote_is_reported_where_the_parser_gave_up(config: Path) -> None:
    edit(config / MECH, lambda t: re.sub(r"^title: (.*)$", r'title: "\1', t, count=1, flags=re.M))
    code, lines = validate(config)
    assert code == 2
    # the stray quote pairs with the next one in the file; the parser gives up further down and says where
    where = re.escape(f"config/{MECH}")
    assert len(lines) == 1 and re.match(rf"{where}:\d+: -: broken YAML: ", lines[0]), lines


def test_a_duplicate_key_names_the_key_and_its_second_line(config: Path) -> None:
    path = config / MECH
    total = len(path.read_text(encoding="utf-8").splitlines())
    edit(path, lambda t: t + "id: siyang_other\n")
    code, lines = validate(config)
    assert (code, lines) == (2, [f"config/{MECH}:{total + 1}: id: broken YAML: duplicate key 'id'"])


def test_a_wrong_type_names_the_field_path(config: Path) -> None:
    edit(config / MECH, lambda t: t.replace("  line_start: 3\n", "  line_start: three\n", 1))
    code, lines = validate(config)
    assert (code, lines) == (2, [f"config/{MECH}:9: source.line_start: Input should be a valid integer"])


def test_an_unknown_department_is_named_with_its_jurisdiction(config: Path) -> None:
    path = config / "mechanisms/siyang/joint_items.yaml"
    text = path.read_text(encoding="utf-8")
    lead = re.search(r"lead: \[([^,\]]+)", text)
    assert lead is not None, "fixture drifted: no lead department in joint_items.yaml"
    edit(path, lambda t: t.replace(lead.group(0), "lead: [不存在局", 1))
    code, lines = validate(config)
    assert code == 2
    line = line_number(path, "lead: [不存在局")
    assert lines == [f"config/mechanisms/siyang/joint_items.yaml:{line}: mechanisms[0].lead[0]: "
                     "unknown department '不存在局' in siyang"]


def test_a_dangling_step_reference_points_at_the_step(config: Path) -> None:
    path = config / "procedures/siyang_joint_enforcement.yaml"
    target = re.search(r"^\s+- to: (\w+)$", path.read_text(encoding="utf-8"), flags=re.M)
    assert target is not None, "fixture drifted: no `- to:` in the procedure template"
    edit(path, lambda t: t.replace(target.group(0), target.group(0).replace(target.group(1), "nowhere"), 1))
    code, lines = validate(config)
    assert code == 2
    hits = [line for line in lines if "nowhere" in line]
    assert hits and all(line.startswith("config/procedures/siyang_joint_enforcement.yaml:") for line in hits)
    assert re.search(r"procedure\.steps\[\d+\]\.next: .*unknown step 'nowhere'", hits[0]), hits


@pytest.mark.parametrize("name", ["jurisdictions.yaml", "policy.yaml"])
def test_a_missing_top_level_file_is_named(config: Path, name: str) -> None:
    (config / name).unlink()
    code, lines = validate(config)
    assert code == 2
    assert f"config/{name}:1: -: missing file" in lines


def test_a_missing_config_directory_is_one_line(tmp_path: Path) -> None:
    run = invoke("catalog", "validate", env={"XIETONG_CONFIG_DIR": str(tmp_path / "nope")})
    expected = f"{tmp_path / 'nope'}:1: -: does not exist; expected the catalog directory"
    assert (run.code, run.out.splitlines()) == (2, [expected])


def test_a_config_path_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("jurisdictions: []\n", encoding="utf-8")
    run = invoke("catalog", "validate", env={"XIETONG_CONFIG_DIR": str(path)})
    expected = f"{path}:1: -: is not a directory; expected the catalog directory"
    assert (run.code, run.out.splitlines()) == (2, [expected])


def test_binary_garbage_is_not_utf8(config: Path) -> None:
    (config / MECH).write_bytes(bytes(range(128, 256)) * 8)
    code, lines = validate(config)
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith(f"config/{MECH}:1: -: not UTF-8:")


def test_a_control_character_is_one_line_with_its_line(config: Path) -> None:
    (config / MECH).write_bytes(b"id: siyang_x\ntitle: \x00oops\n")
    code, lines = validate(config)
    assert (code, lines) == (2, [f"config/{MECH}:2: -: broken YAML: character #x0000 is not allowed: "
                                 "control characters are not allowed"])


def test_an_alias_cycle_is_refused_not_recursed(config: Path) -> None:
    (config / MECH).write_text("id: siyang_x\nnext: &a [*a, *a]\n", encoding="utf-8")
    code, lines = validate(config)
    assert (code, lines) == (2, [f"config/{MECH}:2: -: alias *a is not supported in the catalog: "
                                 "write the value out"])


@pytest.mark.parametrize("bomb", ["x: " + "[" * 100_000, "- " * 50_000])
def test_a_nesting_bomb_is_an_error_not_a_crash(config: Path, bomb: str) -> None:
    # A child process: before the fix libyaml's composer overflowed the C stack (SIGSEGV).
    (config / MECH).write_text(bomb, encoding="utf-8")
    run = run_cli("catalog", "validate", env={"XIETONG_CONFIG_DIR": str(config)})
    assert_no_traceback(run)
    assert (run.code, run.out.splitlines()) == (2, [f"config/{MECH}:1: -: nested deeper than 64 levels"])


def test_a_huge_file_reports_every_unknown_field_with_its_line(config: Path) -> None:
    path = config / MECH
    base = len(path.read_text(encoding="utf-8").splitlines())
    with path.open("a", encoding="utf-8") as out:
        out.writelines(f"extra{i}: {'x' * 200}\n" for i in range(5000))
    code, lines = validate(config)
    assert code == 2 and len(lines) == 5000
    assert lines[0] == f"config/{MECH}:{base + 1}: extra0: Extra inputs are not permitted"
    assert lines[-1] == f"config/{MECH}:{base + 5000}: extra4999: Extra inputs are not permitted"


def test_show_on_a_broken_catalog_lists_the_errors_and_exits_2(config: Path) -> None:
    edit(config / MECH, lambda t: t.replace("  line_start: 3\n", "  line_start: three\n", 1))
    run = invoke("catalog", "show", "siyang_command_flow", env={"XIETONG_CONFIG_DIR": str(config)})
    assert run.code == 2
    assert run.err.splitlines()[0] == f"config/{MECH}:9: source.line_start: Input should be a valid integer"


def test_show_of_an_unknown_mechanism_suggests_close_ids(config: Path) -> None:
    run = invoke("catalog", "show", "command", env={"XIETONG_CONFIG_DIR": str(config)})
    assert run.code == 1
    assert "no mechanism 'command'; did you mean: eshan_command_platform, siyang_command_flow" in run.err


def test_import_of_a_non_utf8_source_names_the_file(config: Path) -> None:
    (config / "sources" / SOURCE).write_bytes(b"\xff\xfe" + bytes(range(128, 256)))
    before = tree_digest(config)
    run = invoke("catalog", "import", "-d", SOURCE, env={"XIETONG_CONFIG_DIR": str(config)})
    assert run.code == 1
    assert f"config/sources/{SOURCE}: not UTF-8 (invalid start byte at byte 0)" in run.err
    # validate reports the same document once, and every record citing it as unknown
    code, lines = validate(config)
    assert code == 2 and f"config/sources/{SOURCE}:1: -: unreadable source: not UTF-8:" in "\n".join(lines)
    assert tree_digest(config) == before


def test_import_write_new_refuses_on_a_broken_catalog_and_writes_nothing(config: Path) -> None:
    edit(config / MECH, lambda t: t.replace("  line_start: 3\n", "  line_start: three\n", 1))
    before = tree_digest(config)
    run = invoke("catalog", "import", "-d", SOURCE, "--write-new", env={"XIETONG_CONFIG_DIR": str(config)})
    assert run.code == 1
    assert "the reviewed catalog has 1 validation error(s); fix them before --write-new" in run.err
    assert tree_digest(config) == before


def test_import_write_new_writes_whole_files_or_none(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xietong.catalog import importing

    (config / MECH).unlink()  # the importer will propose it again
    calls: list[Path] = []

    def failing_write(self: Path, text: str, encoding: str = "utf-8") -> int:
        calls.append(self)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", failing_write)
    before = tree_digest(config)
    with pytest.raises(OSError, match="No space left"):
        importing._write_whole(config / MECH, "id: siyang_command_flow\n")
    monkeypatch.undo()
    assert calls and calls[0].name.endswith(".tmp")
    assert tree_digest(config) == before and not (config / MECH).exists()


SOURCES = sorted(p.name for p in (CONFIG / "sources").glob("*.txt"))


@pytest.mark.parametrize("document", SOURCES)
def test_import_of_an_emptied_document_warns_and_never_writes(config: Path, document: str) -> None:
    (config / "sources" / document).write_text("", encoding="utf-8")
    before = tree_digest(config)
    run = invoke("catalog", "import", "-d", document, env={"XIETONG_CONFIG_DIR": str(config)})
    assert run.code == 0
    header = next(line for line in run.out.splitlines() if line.startswith(f"== {document} "))
    assert re.search(r"\d+ warnings", header) and not header.endswith(" 0 warnings, 0 differences")
    assert tree_digest(config) == before


def test_import_of_a_scrambled_document_names_the_record_it_cannot_fill(config: Path) -> None:
    import random

    path = config / "sources" / "002_cbf3e3dac59cda43.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    random.Random(0).shuffle(lines)
    path.write_text("\n".join(lines), encoding="utf-8")
    run = invoke("catalog", "import", "-d", path.name, env={"XIETONG_CONFIG_DIR": str(config)})
    assert run.code == 1
    assert run.err.splitlines()[-1] == (
        f"Error: {path}: LongjiaoImporter cannot read this document (BasicDuty.category: String should "
        "have at least 1 character); is it the document the importer was written for?")


NOT_A_RECORD = "1: -: expected a mapping with 'mechanisms' or a single record with 'id'"


@pytest.mark.parametrize(("content", "expected"), [
    (b"---\nid: a\n---\nid: b\n",
     "3: -: broken YAML: expected a single document in the stream but found another document"),
    (b"hello\n", NOT_A_RECORD),
    (b"[1, 2]\n", NOT_A_RECORD),
    (b"mechanisms: {a: 1}\n", "1: mechanisms: must be a list"),
    (b"!!python/object:os.system {}\n", NOT_A_RECORD),
    (b"id: !!binary aGVsbG8=\n", "1: id: binary (!!binary) values are not supported: write text"),
    (b"? [a, b]\n: 1\n", "1: -: a key must be plain text, not a list or mapping"),
    (b"id: x\nsource:\n  ? {a: 1}\n  : 1\n", "3: source: a key must be plain text, not a list or mapping"),
], ids=["two-documents", "scalar", "list", "mechanisms-not-a-list", "python-tag", "binary", "list-key",
        "mapping-key"])
def test_yaml_shapes_the_catalog_cannot_hold(config: Path, content: bytes, expected: str) -> None:
    (config / MECH).write_bytes(content)
    code, lines = validate(config)
    assert (code, lines) == (2, [f"config/{MECH}:{expected}"])


def test_a_directory_named_like_a_file(config: Path) -> None:
    (config / "mechanisms/siyang/extra.yaml").mkdir()
    code, lines = validate(config)
    assert (code, lines) == (2, ["config/mechanisms/siyang/extra.yaml:1: -: cannot read: Is a directory"])


@pytest.mark.parametrize("encode", [
    lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    lambda text: text.replace("\n", "\r\n").encode("utf-8"),
], ids=["byte-order-mark", "crlf"])
def test_what_windows_editors_write_is_still_valid(config: Path, encode: Callable[[str], bytes]) -> None:
    path = config / MECH
    path.write_bytes(encode(path.read_text(encoding="utf-8")))
    code, lines = validate(config)
    assert code == 0 and lines[0].startswith("catalog valid:")


@pytest.mark.parametrize(("args", "message"), [
    ((" ",), "Invalid value for MATTER: describe the matter, e.g. 占道经营"),
    (("x", "--limit", "0"), "Invalid value for '--limit': 0 is not in the range x>=1."),
    (("x", "--list", "nope"), "Error: no duty list 'nope'; known: ['longjiao']"),
])
def test_route_with_nothing_to_route(config: Path, args: tuple[str, ...], message: str) -> None:
    run = invoke("catalog", "route", *args, env={"XIETONG_CONFIG_DIR": str(config)})
    assert run.code in (1, 2) and message in run.err
