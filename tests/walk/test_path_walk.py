"""Every model in bpmn/ runs along every path: each outcome of each decision, each deadline passed,
every sequence flow taken at least once, each run ending at an end event with no incident.

The models are walked on the in-process engine (the same interpreter ``xietong engine serve`` runs)
with the real job handlers, a real SQLite case store and China's working-day calendar; the engine's
clock is moved, never slept on. The coverage per model is printed (run pytest with ``-s`` to see it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import pinned_engine, running_fixture
from tests.walk.walker import walk_model
from xietong.catalog.loader import load_catalog
from xietong.engine.engine import Engine
from xietong.generator.generate import mapping_inputs
from xietong.settings import PROJECT_ROOT
from xietong.workers.case_store import CaseStore

BPMN = PROJECT_ROOT / "bpmn"
_catalog, _errors = load_catalog(PROJECT_ROOT / "config")
PROCEDURES = {path: data.procedure for path, data in mapping_inputs(_catalog)} if not _errors else {}
MODELS = sorted(p.relative_to(BPMN).as_posix() for p in BPMN.rglob("*.bpmn"))

#: Flows no walk can reach, each with the reviewer's reason. Empty: every flow of every model is walked.
REVIEWED_UNREACHABLE: dict[str, dict[str, str]] = {}


engine = running_fixture(pinned_engine)


def test_every_model_has_its_catalog_procedure() -> None:
    assert not _errors, _errors[:3]
    assert MODELS and set(MODELS) == set(PROCEDURES), set(MODELS) ^ set(PROCEDURES)


@pytest.mark.parametrize("model", MODELS)
def test_walk_covers_every_flow(model: str, engine: Engine, tmp_path: Path) -> None:
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        report = walk_model(BPMN / model, PROCEDURES[model], engine, store)
    print("\n" + report.line())
    unreachable = report.uncovered - set(REVIEWED_UNREACHABLE.get(model, {}))
    assert not unreachable, f"{model}: flows no walk took: {sorted(unreachable)}"
