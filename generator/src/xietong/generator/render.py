"""Render BPMN files to PNG with bpmn-js in headless Chromium: what a designer will see in Modeler.

bpmn-js is the library Camunda Modeler draws with, so its import warnings are a good proxy for "opens
cleanly in Modeler", and the PNG lets a person (or a test keeping artefacts) look at the layout. All files
of one call share ONE browser session (``tools/node/bpmn-render.mjs``), which is what makes rendering the
whole catalog affordable. The page is loaded from disk and every network request is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from xietong.generator.lint import (
    NODE_TOOLS_DIR,
    NodeToolFailed,
    NodeToolsMissing,
    require_node_packages,
    run_node_json,
)

RENDER_SCRIPT = NODE_TOOLS_DIR / "bpmn-render.mjs"

log = structlog.get_logger(__name__)


class RenderSettings(BaseSettings):
    """Where Chromium is and how big a picture may get (``XIETONG_RENDER_*``)."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_RENDER_", extra="ignore")

    chromium: Path = Field(
        Path("/usr/bin/chromium"), description="Chromium binary (Debian package chromium)."
    )
    max_side: int = Field(
        8000, ge=200, description="Longest PNG side in pixels; larger diagrams are scaled down."
    )
    margin: int = Field(30, ge=0, description="White border around the diagram, in diagram units.")
    timeout_s: float = Field(900.0, gt=0, description="Limit for one batch, in seconds.")


class BrowserMissing(NodeToolsMissing):
    """Chromium is not installed where the settings say."""


class RenderFailed(RuntimeError):
    """bpmn-js could not import a file at all (not even with warnings)."""


@dataclass(frozen=True)
class RenderReport:
    """What rendering one file showed. ``warnings`` are bpmn-js import warnings and page errors; an empty
    list means the diagram opened cleanly. ``label_overflows`` name shapes (tasks, sub-processes, lanes,
    pools) whose rendered name spills out of them ("<element id>: <detail>"), measured with the real font;
    ``label_collisions`` name tasks whose name runs into their type icon or markers.
    ``width``/``height`` are the PNG's pixels."""

    bpmn_path: Path
    png_path: Path | None
    warnings: list[str] = field(default_factory=list)
    element_count: int = 0
    width: int = 0
    height: int = 0
    label_overflows: list[str] = field(default_factory=list)
    label_collisions: list[str] = field(default_factory=list)


def render_png(bpmn_path: Path, png_path: Path, settings: RenderSettings | None = None) -> RenderReport:
    """Render one BPMN file to ``png_path``."""
    return render_many([(bpmn_path, png_path)], settings)[0]


def render_many(
    jobs: Sequence[tuple[Path, Path | None]], settings: RenderSettings | None = None
) -> list[RenderReport]:
    """Render each ``(bpmn_path, png_path)`` in one browser session; reports come back in job order.
    A ``png_path`` of None imports and measures the diagram without taking the (slow) screenshot.

    Raises :class:`RenderFailed` naming every file bpmn-js could not import; nothing is half-written for
    those (their PNG is not created).
    """
    if not jobs:
        return []
    settings = settings or RenderSettings()
    require_node_packages("bpmn-js", "playwright-core")
    if not settings.chromium.is_file():
        raise BrowserMissing(
            f"Chromium not found at {settings.chromium}: install the Debian package `chromium` "
            "(scripts/test does) or set XIETONG_RENDER_CHROMIUM"
        )
    for _, png in jobs:
        if png is not None:
            Path(png).parent.mkdir(parents=True, exist_ok=True)
    request = {
        "chromium": str(settings.chromium),
        "maxSide": settings.max_side,
        "margin": settings.margin,
        "jobs": [
            {"bpmn": str(Path(b).resolve()), "png": str(Path(p).resolve()) if p is not None else None}
            for b, p in jobs
        ],
    }
    results = run_node_json(RENDER_SCRIPT, request, timeout=settings.timeout_s).get("results", [])
    if len(results) != len(jobs):
        raise NodeToolFailed(f"{RENDER_SCRIPT.name} reported {len(results)} results for {len(jobs)} files")
    failed = [f"{bpmn}: {r['error']}" for (bpmn, _), r in zip(jobs, results, strict=True) if r.get("error")]
    if failed:
        raise RenderFailed("bpmn-js could not import:\n" + "\n".join(failed))
    reports = [
        RenderReport(
            bpmn_path=Path(bpmn),
            png_path=Path(png) if png is not None else None,
            warnings=[" ".join(str(w).split()) for w in r.get("warnings", [])],
            element_count=int(r.get("elementCount", 0)),
            width=int(r.get("width", 0)),
            height=int(r.get("height", 0)),
            label_overflows=[f"{o['elementId']}: {o['message']}" for o in r.get("overflows", [])],
            label_collisions=[f"{o['elementId']}: {o['message']}" for o in r.get("collisions", [])],
        )
        for (bpmn, png), r in zip(jobs, results, strict=True)
    ]
    log.debug("bpmn.render", files=len(reports), with_warnings=sum(bool(r.warnings) for r in reports))
    return reports
