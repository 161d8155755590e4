"""Incremental runs give the warehouse a full rebuild gives: generated demo data fed over three
weeks as it arrives (each week's Salesforce exports, the tracker, directors' answers and a
collector's promise from the portal, an invoice copy, bank files), a refresh each day, then the
same home refreshed once more incrementally and once with `--full-refresh`: every table of the
intermediate and marts schemas is the same, row for row."""

import datetime as dt
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.cli.runner import run_pipeline
from orchestration.demo import generate_demo
from orchestration.outreach.portal_store import open_store
from orchestration.settings import REPO_ROOT, Settings
from portal.store import collector_entries, director_updates
from portal.store.collector_entries import NewEntry
from portal.store.director_updates import NewUpdate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
WEEKS = [dt.date(2026, 11, 9), dt.date(2026, 11, 16), dt.date(2026, 11, 23)]
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Columns that say which run wrote a row, not what it holds.
RUN_STAMPS = {"run_id"}  # int_check_failures_listed: the run that recorded a failed check


def land(files: list[Path], folder: Path) -> None:
    """Files arriving in a landing folder, settled (written a minute ago)."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        target = folder / file.name
        shutil.copy2(file, target)
        settled = time.time() - 60
        os.utime(target, (settled, settled))


def open_invoices(settings: Settings, count: int) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select invoice_key, account_id, collector, director_email, office, invoice_number "
            "from marts.ar_ledger where status = 'open' and account_id is not null "
            "and director_email is not null order by invoice_key limit $n",
            {"n": count},
        ).fetchall()


def answer(settings: Settings, invoice: tuple, n: int, status: str, at: dt.datetime) -> None:
    with open_store(settings.home) as store:
        director_updates.record(store, NewUpdate(
            f"incremental-{n}", invoice[3], invoice[0], status, f"answer {n}", None, None, None, None, at))


def promise(settings: Settings, invoice: tuple, at: dt.datetime) -> None:
    policy = settings.policy()
    email = next((m.email for m in policy.team.collectors if m.name == invoice[2]), "c@example.com")
    with open_store(settings.home) as store:
        collector_entries.record(store, NewEntry(
            "incremental-promise", email, invoice[2], "promise", invoice[1], invoice[0], "paying Friday",
            None, "USD", Decimal("100.00"), at.date() + dt.timedelta(days=3), None, None, None, None,
            None, at))


def refreshed(settings: Settings, day: dt.date) -> None:
    outcome = run_pipeline(settings, day)
    assert outcome.success, outcome.report()


def rebuilt_in_full(settings: Settings, day: dt.date) -> None:
    """`ledgerloop run --full-refresh`, as a person types it."""
    result = CliRunner().invoke(main, [
        "run", "--full-refresh", "--quiet", "--as-of", day.isoformat(), "--home", str(settings.home)])
    assert result.exit_code == 0, result.output


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every table of the intermediate and marts schemas, rows sorted, run stamps left out."""
    found = {}
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('intermediate', 'marts') and table_type = 'BASE TABLE' order by all"
        ).fetchall()
        for schema, table in names:
            columns = [
                c for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = $s "
                    "and table_name = $t order by ordinal_position", {"s": schema, "t": table}).fetchall()
                if c not in RUN_STAMPS
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            found[f"{schema}.{table}"] = con.execute(
                f'select {listed} from "{schema}"."{table}" order by all').fetchall()
    return found


@pytest.fixture(scope="module")
def homes(tmp_path_factory):
    """Three weeks fed to one home, a refresh each; then two copies of it refreshed once more,
    one incrementally, one with `--full-refresh`."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("LEDGERLOOP_PORTAL_DB_URL", "LEDGERLOOP_DAGSTER_STORAGE_URL", "LEDGERLOOP_CONFIG"):
            patch.setenv(name, "")
            patch.delenv(name)
        return fed_and_refreshed(tmp_path_factory.mktemp("incremental"))


def fed_and_refreshed(root: Path) -> dict[str, Settings]:
    source = root / "generated"
    settings = Settings(home=root / "home", config_path=REPO_ROOT / "ledgerloop.yaml")
    generate_demo(source, settings.policy(), 400, 7, WEEKS[-1], progress=False)
    landing = settings.home / "landing"
    shutil.copytree(source / "contacts", settings.home / "contacts")

    exports = sorted((source / "landing" / "salesforce").glob("*.csv"))
    land([f for f in exports if WEEKS[0].isoformat() in f.name], landing / "salesforce")
    land(list((source / "landing" / "tracker").iterdir()), landing / "tracker")
    refreshed(settings, WEEKS[0] + dt.timedelta(days=1))

    first = open_invoices(settings, 3)
    noon = dt.datetime.combine(WEEKS[1], dt.time(12), dt.UTC)
    answer(settings, first[0], 1, "Payment is on its way", noon)
    promise(settings, first[1], noon)
    land([f for f in exports if WEEKS[1].isoformat() in f.name], landing / "salesforce")
    refreshed(settings, WEEKS[1] + dt.timedelta(days=1))

    answer(settings, first[2], 2, "Client's dispute", noon + dt.timedelta(days=6))
    office_folder = settings.home / "documents" / first[0][4]
    office_folder.mkdir(parents=True)
    (office_folder / f"{first[0][5]}.pdf").write_bytes(PDF)
    land([f for f in exports if WEEKS[2].isoformat() in f.name], landing / "salesforce")
    land(list((source / "landing" / "payments").iterdir()), landing / "payments")
    refreshed(settings, WEEKS[2])

    answer(settings, first[0], 3, "Client's dispute", noon + dt.timedelta(days=6, hours=2))
    copies = {}
    for name, refresh in (("incremental", refreshed), ("full", rebuilt_in_full)):
        copy = Settings(home=root / name, config_path=settings.config_path)
        shutil.copytree(settings.home, copy.home)
        refresh(copy, WEEKS[2])
        copies[name] = copy
    return copies


def test_an_incremental_refresh_equals_a_full_rebuild_row_for_row(homes):
    incremental = tables(homes["incremental"].warehouse_path)
    full = tables(homes["full"].warehouse_path)
    assert sorted(incremental) == sorted(full)
    differing = [name for name in incremental if incremental[name] != full[name]]
    assert differing == []
    assert len(incremental["intermediate.int_invoices_deduplicated"]) == 400
    assert incremental["marts.ar_ledger"], "the ledger is empty: nothing was compared"


def test_full_refresh_keeps_the_history_a_rebuild_cannot_make(homes):
    with duckdb.connect(str(homes["full"].warehouse_path), read_only=True) as con:
        days = con.execute("select distinct as_of_date from marts.ar_aging_daily order by 1").fetchall()
    next_days = [week + dt.timedelta(days=1) for week in WEEKS[:2]]
    assert [d for (d,) in days] == [*next_days, WEEKS[2]]

