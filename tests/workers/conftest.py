"""Case stores for the worker tests: always a real SQLite file; PostgreSQL too when
``XIETONG_CASE_STORE_URL`` names a server (scripts/test starts a throwaway one). And ``engine``: an
engine process of the test's own for the end-to-end tests (engine_harness).

Each PostgreSQL test gets a schema of its own (via libpq's ``options=-c search_path=…``) and drops
it afterwards, so the tests never touch tables outside it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support import running_fixture
from tests.workers.engine_harness import start_engine
from xietong.workers.case_store import CaseStore

POSTGRES_URL = os.environ.get("XIETONG_CASE_STORE_URL", "")
engine = running_fixture(start_engine)
HAS_POSTGRES = POSTGRES_URL.startswith(("postgresql://", "postgres://"))


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-c search_path={schema}')}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not HAS_POSTGRES:
        pytest.skip("XIETONG_CASE_STORE_URL does not name a PostgreSQL server")
    import psycopg

    schema = f"xietong_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _with_search_path(POSTGRES_URL, schema)
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cases.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[CaseStore]:
    with CaseStore(store_url) as case_store:
        yield case_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[CaseStore]:
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as case_store:
        yield case_store
