"""A portal store on each engine the portal supports: the tests that import `store` (and the
module's `pg_server` it needs) run once on SQLite and once on a throwaway PostgreSQL server."""

from __future__ import annotations

import pytest

from portal.store import connect
from tests.portal.postgres_server import postgres_server


@pytest.fixture(scope="module")
def pg_server():
    yield from postgres_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_server").new_database()
    opened = connect(url)
    yield opened
    opened.close()
