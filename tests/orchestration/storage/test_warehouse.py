"""The warehouse: opening it for writing creates every table the pipeline writes outside dbt, so
dbt reads them as sources from the first run on."""

import yaml

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.storage.warehouse import connect


def dbt_sources() -> set[tuple[str, str]]:
    """(schema, table) of every dbt source."""
    found = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
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
