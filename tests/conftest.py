"""Suite-wide ordering (browser tests last) and the committed catalog with what `bpmn generate` makes
of it, which the generator's and the forms' tests both read (loaded once per module that asks).

pytest-playwright's sync API keeps an asyncio event loop running in the main thread for the rest of
the session once its browser fixture has started; any later test that calls ``asyncio.run`` (the
workers' deploy, their CLI) would then fail for a reason that has nothing to do with it. Running the
browser tests after everything else keeps each test's outcome its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from xietong.catalog.loader import Catalog
    from xietong.generator.generate import Output


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)  # stable: order kept


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    from xietong.catalog.loader import load_catalog_or_raise
    from xietong.settings import get_settings

    return load_catalog_or_raise(get_settings().config_dir)


@pytest.fixture(scope="module")
def outputs(catalog: Catalog) -> list[Output]:
    from xietong.generator.generate import build_outputs

    return build_outputs(catalog)
