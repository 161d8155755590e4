"""The dbt project builds on PostgreSQL the tables it builds on DuckDB, row for row.

Generated demo data goes through `ledgerloop run` on DuckDB twice (two weeks apart, with
directors' answers and collectors' promises, disputes and plans in between). The raw, outreach
and quarantine tables it loaded are then copied into a throwaway PostgreSQL server with the
module ingest uses for that (`orchestration.storage.postgres`), dbt builds there with the
`postgres` target, the risk model scores in between as the pipeline does on that engine, and
every staging, intermediate and marts table must hold what DuckDB's holds."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest
from dagster_dbt import DbtCliResource

from orchestration.cli.runner import run_pipeline
from orchestration.demo import generate_demo
from orchestration.outreach.portal_store import open_store
from orchestration.risk.on_postgres import score_on_postgres
from orchestration.settings import REPO_ROOT, Settings
from portal.store import collector_entries, director_updates
from portal.store.collector_entries import NewEntry
from portal.store.director_updates import NewUpdate
from tests.dbt.postgres_target import copy_loaded_tables, dbt_on_postgres
from tests.portal.postgres_server import postgres_server
from tests.warehouse_tables import differing_tables, warehouse_tables

pytestmark = [pytest.mark.integration, pytest.mark.slow]
FIRST, SECOND = dt.date(2026, 11, 10), dt.date(2026, 11, 24)
BUILT_SCHEMAS = ("staging", "intermediate", "marts", "snapshots")
PLAN = json.dumps([{"due_on": "2026-12-01", "amount": "100.10"}, {"due_on": "2027-01-01", "amount": "50.00"}])


def land(files: list[Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copy2(file, folder / file.name)
        settled = time.time() - 60
        os.utime(folder / file.name, (settled, settled))


def open_invoices(settings: Settings, count: int) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select invoice_key, account_id, collector, director_email from marts.ar_ledger "
            "where status = 'open' and account_id is not null and director_email is not null "
            "order by invoice_key limit $n", {"n": count}).fetchall()


def entry(n: int, invoice: tuple, kind: str, at: dt.datetime, **fields) -> NewEntry:
    values = dict(note=None, call_outcome=None, currency=None, promised_amount=None, promised_date=None,
                  dispute_reason=None, dispute_evidence=None, dispute_deadline=None, resolution=None,
                  plan_installments=None)
    values.update(fields)
    return NewEntry(f"pg-{n}", "avery.brooks@meridianpartners.example", invoice[2], kind, invoice[1],
                    invoice[0] if kind != "plan" else None, submitted_at=at, **values)


def portal_work(settings: Settings, invoices: list[tuple], at: dt.datetime) -> None:
    """What people enter between the runs: a director's answer, a promise, a dispute, a plan."""
    with open_store(settings.home) as store:
        director_updates.record(store, NewUpdate(
            "pg-answer", invoices[0][3], invoices[0][0], "Payment is on its way", "paying", None, None,
            None, None, at))
        collector_entries.record(store, entry(1, invoices[1], "promise", at, currency="USD",
                                              promised_amount=Decimal("100.00"),
                                              promised_date=at.date() + dt.timedelta(days=3)))
        collector_entries.record(store, entry(2, invoices[2], "dispute", at, dispute_reason="Rate",
                                              dispute_evidence="po.pdf",
                                              dispute_deadline=at.date() + dt.timedelta(days=10)))
        collector_entries.record(store, entry(3, invoices[3], "plan", at, currency="USD",
                                              plan_installments=PLAN))


def loaded_tables_to(warehouse: Path, url: str) -> None:
    """The tables dbt reads (what ingest and earlier runs' steps wrote), replacing the server's."""
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg.connect(url) as pg:
        copy_loaded_tables(duck, pg)


def built_on_postgres(settings: Settings, url: str, day: dt.date, inputs: Path) -> None:
    """dbt on the server as the pipeline runs it there, on the tables DuckDB's dbt read that day:
    the models before the risk scores, the scores (Python), then the models after them."""
    loaded_tables_to(inputs, url)
    built_by_dbt(url, settings, day, "--exclude", "source:risk_scoring+")
    with psycopg.connect(url) as pg:
        assert score_on_postgres(pg, settings.policy().risk, day) > 0
    built_by_dbt(url, settings, day, "--select", "source:risk_scoring+")


def keep_dbt_inputs(patch: pytest.MonkeyPatch, warehouse: Path, kept: list[Path]) -> None:
    """Each run's warehouse as its dbt step found it (the steps after dbt write tables the next
    run's dbt reads: dunning state, outreach events), copied before dbt starts."""
    run_dbt = DbtCliResource.cli

    def cli(self, args, *rest, **kwargs):
        if args[0] == "build":  # not the `dbt parse` that refreshes a stale manifest
            kept.append(warehouse.with_name(f"at-dbt-{len(kept)}.duckdb"))
            shutil.copy2(warehouse, kept[-1])
        return run_dbt(self, args, *rest, **kwargs)

    patch.setattr(DbtCliResource, "cli", cli)


@pytest.fixture(scope="module")
def engines(tmp_path_factory) -> tuple[Settings, str]:
    """The two runs on DuckDB and, after each, the same day's build on PostgreSQL from what that
    run's dbt read (the history tables, aging by day, KPIs, snapshots, need both days)."""
    root = tmp_path_factory.mktemp("engines")
    kept: list[Path] = []
    with pytest.MonkeyPatch.context() as patch:
        for name in ("LEDGERLOOP_PORTAL_DB_URL", "LEDGERLOOP_DAGSTER_STORAGE_URL", "LEDGERLOOP_CONFIG"):
            patch.delenv(name, raising=False)
        for server in postgres_server():
            url = server.new_database().replace("postgresql+psycopg://", "postgresql://")
            settings = Settings(home=root / "home", config_path=REPO_ROOT / "ledgerloop.yaml")
            keep_dbt_inputs(patch, settings.warehouse_path, kept)
            generate_demo(root / "generated", settings.policy(), 400, 7, SECOND, progress=False)
            shutil.copytree(root / "generated" / "contacts", settings.home / "contacts")
            landing = settings.home / "landing"
            exports = sorted((root / "generated" / "landing" / "salesforce").glob("*.csv"))
            land(exports[: len(exports) // 2], landing / "salesforce")
            land(list((root / "generated" / "landing" / "tracker").iterdir()), landing / "tracker")
            assert run_pipeline(settings, FIRST).success
            built_on_postgres(settings, url, FIRST, kept[-1])
            portal_work(settings, open_invoices(settings, 4), dt.datetime.combine(FIRST, dt.time(15), dt.UTC))
            land(exports[len(exports) // 2:], landing / "salesforce")
            land(list((root / "generated" / "landing" / "payments").iterdir()), landing / "payments")
            outcome = run_pipeline(settings, SECOND)
            assert outcome.success, outcome.report()
            built_on_postgres(settings, url, SECOND, kept[-1])
            yield settings, url


def built_by_dbt(url: str, settings: Settings, day: dt.date, *args: str) -> None:
    dbt_vars = {"as_of": day.isoformat(), **settings.policy().dbt_vars()}
    done = dbt_on_postgres(url, settings.home / "dbt-postgres", dbt_vars, "build", *args,
                           "--exclude-resource-type", "unit_test")
    assert done.returncode == 0, done.stdout[-6000:]


def test_every_table_dbt_builds_on_postgresql_equals_duckdbs(engines):
    settings, url = engines
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as duck:
        on_duckdb = warehouse_tables(duck, BUILT_SCHEMAS)
    with psycopg.connect(url) as pg:
        on_postgres = warehouse_tables(pg, BUILT_SCHEMAS)
    assert sorted(on_postgres) == sorted(on_duckdb)
    assert differing_tables(on_duckdb, on_postgres) == {}
    for busy in ("marts.ar_ledger", "marts.payments", "marts.payment_applications",
                 "marts.collector_worklist", "marts.alerts", "marts.disputes", "marts.promises_to_pay",
                 "marts.payment_plans"):
        assert on_duckdb[busy], f"{busy} is empty on both engines: nothing was compared"
