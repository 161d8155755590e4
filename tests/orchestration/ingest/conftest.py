"""Fixtures shared by the ingest tests."""

import pytest


@pytest.fixture
def home(tmp_path):
    """A ledgerloop home with empty Salesforce and tracker landing folders."""
    (tmp_path / "landing" / "salesforce").mkdir(parents=True)
    (tmp_path / "landing" / "tracker").mkdir(parents=True)
    return tmp_path
