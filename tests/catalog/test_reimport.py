"""Re-importing 001–004 reproduces the reviewed catalog, except where a reviewed decision
(config/import-decisions.yaml) keeps the catalog different: no silent drift in either."""

from __future__ import annotations

import pytest

from xietong.catalog.importers.base import ImportContext, importer_for
from xietong.catalog.importing import compare, load_decisions
from xietong.catalog.loader import load_catalog

from .conftest import CONFIG, source_text

DOCUMENTS = {
    "001_2fe61fa7fe079855.txt": "siyang",
    "002_cbf3e3dac59cda43.txt": "yunyang",
    "003_3683dd0429a6386d.txt": "wuyi",
    "004_142988561856460f.txt": "eshan",
}


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_reviewed_catalog_equals_importer_output(document: str) -> None:
    catalog, _ = load_catalog(CONFIG)
    context = ImportContext(registry=catalog.registries[DOCUMENTS[document]],
                            policies=list(catalog.policies.values()))
    result = importer_for(document).run(source_text(document), context)
    decisions = load_decisions(CONFIG)
    open_ = [d for d in compare(catalog, result) if not any(r.covers(d) for r in decisions)]
    assert [str(d) for d in open_] == []
