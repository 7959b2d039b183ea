"""Suite-wide ordering: browser tests last.

pytest-playwright's sync API keeps an asyncio event loop running in the main thread for the rest of
the session once its browser fixture has started; any later test that calls ``asyncio.run`` (the
workers' deploy, their CLI) would then fail for a reason that has nothing to do with it. Running the
browser tests after everything else keeps each test's outcome its own.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)  # stable: order kept
