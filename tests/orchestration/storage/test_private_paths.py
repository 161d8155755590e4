"""The warehouse, exports and archive hold customer data: owner-only unless a team group is set."""

import os
import stat

import dagster as dg
import pytest

from orchestration.defs.ingest.invoices import salesforce_invoices
from orchestration.defs.resources import LedgerloopResource
from orchestration.settings import Settings
from tests.factories import export, row


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def keep_umask():
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def test_a_run_creates_the_warehouse_exports_and_archive_for_their_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_GROUP_ACCESS", raising=False)
    os.umask(0o022)  # the usual default, which made these readable by everyone
    (tmp_path / "exports").mkdir(mode=0o755)  # left by an earlier release
    (tmp_path / "landing" / "salesforce").mkdir(parents=True)
    (tmp_path / "landing" / "salesforce" / "nyc.csv").write_text(export([row()]), encoding="utf-8")
    os.utime(tmp_path / "landing" / "salesforce" / "nyc.csv", (1, 1))  # settled long ago
    result = dg.materialize([salesforce_invoices],
                            resources={"ledgerloop": LedgerloopResource(home=str(tmp_path))})
    assert result.success
    assert mode(tmp_path / "warehouse.duckdb") == 0o600
    for folder in ("archive", "exports", "tmp"):
        assert mode(tmp_path / folder) == 0o700, folder
    (archived,) = (tmp_path / "archive").rglob("*nyc.csv")
    assert mode(archived.parent) == 0o700  # the file keeps its mode, out of anyone else's reach


def test_a_team_group_may_be_given_read_access(tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGERLOOP_GROUP_ACCESS", "read")
    (tmp_path / "warehouse.duckdb").write_bytes(b"")
    LedgerloopResource(home=str(tmp_path)).setup_for_execution(dg.build_init_resource_context())
    assert mode(tmp_path / "exports") == 0o750
    assert mode(tmp_path / "warehouse.duckdb") == 0o640
    (tmp_path / "exports" / "new.csv").write_text("x")
    assert mode(tmp_path / "exports" / "new.csv") == 0o640


def test_an_unknown_group_access_is_refused_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("LEDGERLOOP_GROUP_ACCESS", "everyone")
    with pytest.raises(ValueError, match="LEDGERLOOP_GROUP_ACCESS='everyone': use one of none, read, write"):
        Settings()
