"""Fixtures for portal tests: a store with two directors' jobs and an app around it."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from portal.app import create_app
from portal.store import connect, director_jobs
from tests.portal.portal_factories import DANA, ERIN, STATUSES, job, settings_for


@pytest.fixture
def portal_settings(tmp_path):
    return settings_for(tmp_path)


@pytest.fixture
def seeded_store(portal_settings):
    store = connect(portal_settings.db_url)
    director_jobs.publish(
        store,
        [
            job("new-york|123", DANA, account_name="Acme, Inc."),
            job("new-york|456", DANA, account_name="Bolt LLC", days_past_due=12),
            job("boston|789", ERIN, account_name="Secret Client Corp", office="Boston"),
        ],
        STATUSES,
    )
    yield store
    store.close()


@pytest.fixture
def client(portal_settings, seeded_store):
    with TestClient(create_app(portal_settings), base_url="http://testserver.local") as test_client:
        yield test_client
