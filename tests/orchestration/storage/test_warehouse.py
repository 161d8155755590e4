"""The warehouse: opening it for writing creates every table the pipeline writes outside dbt, so
dbt reads them as sources from the first run on."""

import jinja2
import yaml

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.storage.warehouse import connect


def enabled_on_duckdb(source: dict) -> bool:
    """A source's `enabled` as dbt renders it for the DuckDB target (the risk scores the pipeline
    writes are a source on PostgreSQL only)."""
    enabled = str(source.get("config", {}).get("enabled", True))
    return jinja2.Template(enabled).render(target={"type": "duckdb"}).strip() == "True"


def dbt_sources() -> set[tuple[str, str]]:
    """(schema, table) of every dbt source the DuckDB warehouse serves."""
    found = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            if enabled_on_duckdb(source):
                found |= {(source["schema"], t.get("identifier", t["name"])) for t in source["tables"]}
    return found


def test_a_new_warehouse_has_every_table_dbt_reads_as_a_source(tmp_path):
    with connect(tmp_path / "warehouse.duckdb") as con:
        tables = set(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())
    sources = dbt_sources()
    assert {("outreach", "dunning_call_tasks"), ("raw", "outreach_events"),
            ("raw", "check_failures")} <= sources
    assert sources - tables == set()


def test_opening_the_warehouse_again_keeps_what_it_holds(tmp_path):
    with connect(tmp_path / "warehouse.duckdb") as con:
        con.execute("insert into outreach.dunning_invoices_seen values ('NYC:1', date '2026-11-23')")
    with connect(tmp_path / "warehouse.duckdb") as con:
        assert con.execute("select count(*) from outreach.dunning_invoices_seen").fetchone() == (1,)
