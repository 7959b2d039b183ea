"""bpmn-js in headless Chromium on hand-made models: clean import, every DI element drawn, a real picture.

The PNGs are kept under artifacts/render/fixtures/ for a person to look at.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from lxml import etree

from xietong.generator.render import BrowserMissing, RenderFailed, RenderSettings, render_many, render_png
from xietong.settings import PROJECT_ROOT

pytestmark = [pytest.mark.node, pytest.mark.browser]

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
ARTIFACTS = PROJECT_ROOT / "artifacts" / "render" / "fixtures"
VALID = ["valid-full.bpmn", "valid-escalation.bpmn", "valid-minimal.bpmn"]
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the inflated (still filtered) image data of a PNG, read with the stdlib only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def di_element_count(path: Path) -> int:
    root = etree.parse(str(path)).getroot()
    return len(root.findall(f".//{{{BPMNDI}}}BPMNShape")) + len(root.findall(f".//{{{BPMNDI}}}BPMNEdge"))


LONG_NAME = (
    "对涉及多个部门职责交叉的疑难复杂问题由牵头部门组织召开联席会议研究并形成处置意见后分别抄送各协同部门落实"
)
THREE_LINES = "协调各有关单位拟定联合执法行动方案"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One browser session for all fixtures, plus two copies of valid-full with names too long to read."""
    tmp = tmp_path_factory.mktemp("render")
    full = (FIXTURES / "valid-full.bpmn").read_text(encoding="utf-8")
    long_names = tmp / "long-names.bpmn"
    long_names.write_text(
        full.replace('name="紧急处置"', f'name="{LONG_NAME}"').replace(
            'name="牵头部门"', f'name="{LONG_NAME}"'
        ),
        encoding="utf-8",
    )
    three_lines = tmp / "three-lines.bpmn"
    three_lines.write_text(full.replace('name="现场处置"', f'name="{THREE_LINES}"'), encoding="utf-8")
    jobs = [(FIXTURES / name, ARTIFACTS / name.replace(".bpmn", ".png")) for name in VALID]
    for broken in ("unknown-element", "unknown-zeebe-extension"):
        jobs.append((FIXTURES / "broken" / f"{broken}.bpmn", ARTIFACTS / f"broken-{broken}.png"))
    jobs += [(long_names, ARTIFACTS / "long-names.png"), (three_lines, ARTIFACTS / "three-lines.png")]
    return {r.bpmn_path.name: r for r in render_many(jobs)}


@pytest.mark.parametrize("name", VALID)
def test_valid_models_import_without_warnings(name: str, reports: dict) -> None:
    assert reports[name].warnings == []


@pytest.mark.parametrize("name", VALID)
def test_valid_models_have_no_label_overflows(name: str, reports: dict) -> None:
    assert reports[name].label_overflows == []
    assert reports[name].label_collisions == []


def test_label_spilling_out_of_a_task_or_lane_header_is_reported(reports: dict) -> None:
    report = reports["long-names.bpmn"]
    assert report.warnings == []
    assert sorted(o.split(":")[0] for o in report.label_overflows) == ["Lane_dept", "Task_urgent"]
    lane = next(o for o in report.label_overflows if o.startswith("Lane"))
    assert "spills out of its 30x300 header" in lane


def test_three_line_name_running_into_the_task_icon_is_reported(reports: dict) -> None:
    """Fits inside the 100x80 box, but its first line sits on the user-task icon."""
    report = reports["three-lines.bpmn"]
    assert report.label_overflows == []
    assert [c.split(":")[0] for c in report.label_collisions] == ["Task_normal"]


@pytest.mark.parametrize("name", VALID)
def test_every_shape_and_edge_is_drawn(name: str, reports: dict) -> None:
    assert reports[name].element_count == di_element_count(FIXTURES / name)


@pytest.mark.parametrize("name", VALID)
def test_png_is_a_real_picture_of_the_diagram(name: str, reports: dict) -> None:
    report = reports[name]
    width, height, pixels = png_pixels(report.png_path)
    assert (width, height) == (report.width, report.height)
    assert width > 300 and height > 150
    # an empty (all-white) page inflates to filter-type bytes, 0x00 and 0xff only; drawn lines and
    # anti-aliased CJK text give many grey levels
    assert len(set(pixels) - {0, 1, 2, 3, 4, 255}) > 20


def test_import_warnings_are_reported(reports: dict) -> None:
    [warning] = reports["unknown-element.bpmn"].warnings
    assert "unparsable content <bpmn:frobnicate>" in warning
    assert "line: 7" in warning


def test_unknown_zeebe_extension_is_a_warning_as_in_modeler(reports: dict) -> None:
    """The viewer reads with the zeebe moddle extension, like Modeler: zeebe:* elements are typed."""
    [warning] = reports["unknown-zeebe-extension.bpmn"].warnings
    assert "<zeebe:escalationPolicy>" in warning


def test_unimportable_file_fails_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "not-bpmn.bpmn"
    bad.write_text("<html><body>not a diagram</body></html>", encoding="utf-8")
    png = tmp_path / "not-bpmn.png"
    with pytest.raises(RenderFailed, match=r"not-bpmn\.bpmn"):
        render_png(bad, png)
    assert not png.exists()


def test_missing_chromium_says_how_to_fix(tmp_path: Path) -> None:
    settings = RenderSettings(chromium=tmp_path / "no-chromium")
    with pytest.raises(BrowserMissing, match="XIETONG_RENDER_CHROMIUM"):
        render_png(FIXTURES / "valid-minimal.bpmn", tmp_path / "x.png", settings)


def test_large_diagrams_are_scaled_to_the_longest_side(tmp_path: Path) -> None:
    report = render_png(FIXTURES / "valid-full.bpmn", tmp_path / "small.png", RenderSettings(max_side=400))
    width, height, _ = png_pixels(report.png_path)
    assert max(width, height) == 400
    assert report.warnings == [] and report.label_overflows == []


def test_without_png_path_nothing_is_written() -> None:
    [report] = render_many([(FIXTURES / "valid-minimal.bpmn", None)])
    assert report.png_path is None
    assert report.warnings == [] and report.element_count == di_element_count(FIXTURES / "valid-minimal.bpmn")
