"""`make bench`: 1M invoices through `ledgerloop run` on the DuckDB file and on a PostgreSQL
warehouse (a server started for it on this machine), beside the same work as one plain DuckDB
script (the floor). Reports throughput, seconds, peak RSS and their ratios; not a timed test."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil

from orchestration.cli.run_events import DBT_STEP
from orchestration.demo import generate_demo
from orchestration.ingest.landing import fingerprint
from orchestration.settings import REPO_ROOT, Settings

AS_OF = dt.date(2026, 11, 23)
FLOOR_SQL = Path(__file__).with_name("floor.sql")
RISK_STEP = "risk_scoring__account_risk_scores"  # on PostgreSQL, between dbt's parts
STATEMENTS_STEP = "exports__statements"  # monthly: every account's statement, on the month's first run
INGEST_STEPS = ("salesforce__invoices", "tracker__invoices", "payments__transactions", "history__invoices",
                "portal__director_updates", "portal__collector_entries", "dagster__check_failures")
PUBLISH_STEPS = ("portal__director_jobs", "portal__collector_worklists", "portal__customer_accounts")
"""Everything people receive: the portal's read models, drafts (outbox__*) and exports (exports__*)."""


def is_outreach(step: str) -> bool:
    return step in PUBLISH_STEPS or step.startswith(("outbox__", "exports__"))


def is_dbt(step: str) -> bool:
    """dbt's step, or one of the parts Dagster splits it into on PostgreSQL."""
    return step == DBT_STEP or step.startswith(DBT_STEP + "_")


class PeakRss:
    """Samples the summed RSS of a process and all its children until stopped."""

    interval = 0.05  # seconds

    def __init__(self, pid: int):
        self.process, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _tree(self) -> list[psutil.Process]:
        return [self.process, *self.process.children(recursive=True)]

    def _measure(self, tree: list[psutil.Process]) -> int:
        return sum(p.memory_info().rss for p in tree if p.is_running())

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.peak = max(self.peak, self._measure(self._tree()))
            except psutil.Error:
                continue

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


class PeakPss(PeakRss):
    """The same for a PostgreSQL server: its processes share the buffer cache, which RSS would
    count once per process, so each process counts its proportional share (PSS). Reading it
    costs more (the kernel walks each process's mappings), so it is sampled less often."""

    interval = 0.25

    def _measure(self, tree: list[psutil.Process]) -> int:
        return sum(p.memory_full_info().pss for p in tree if p.is_running())


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_rss: int  # the command's process tree
    output: str
    server_peak_pss: int = 0  # the warehouse server's processes, when it is one

    def summary(self) -> dict:
        """`ledgerloop run --json`'s summary: its last line."""
        return json.loads(self.output.strip().splitlines()[-1])


def timed_run(command: list[str], env: dict[str, str] | None = None,
              server_pid: int | None = None) -> Timed:
    """`command` timed, with its peak RSS and, given `server_pid`, that server's peak PSS."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=env)
    rss = PeakRss(process.pid)
    server = PeakPss(server_pid) if server_pid else None
    output, _ = process.communicate()
    seconds, peak = time.monotonic() - started, rss.stop()
    server_peak = server.stop() if server else 0
    if process.returncode != 0:
        raise SystemExit(f"{command[:3]} failed with exit code {process.returncode}:\n{output[-2000:]}")
    return Timed(seconds, peak, output, server_peak)


def timed_subprocess(command: list[str]) -> tuple[float, int, str]:
    done = timed_run(command)
    return done.seconds, done.peak_rss, done.output


def changed_export(home: Path, count: int) -> int:
    """A new export in landing/ holding `count` rows of the newest export, spread over it, each
    now paid (as Salesforce sends them later that morning): their invoices' ledger rows, worklist
    lines and portal rows change. Returns how many rows it holds."""
    archived = (home / "archive" / "salesforce").rglob("*__NYC_*.csv")
    newest = max(archived, key=lambda p: p.name.split("__")[-1])  # <sha>__<name>: by its name
    encoding = fingerprint(newest).encoding or "cp1252"
    lines = newest.read_text(encoding=encoding).splitlines()
    end = lines.index("") if "" in lines else len(lines)
    header, rows, footer = lines[0], lines[1:end], lines[end:]
    every = max(1, len(rows) // count)
    columns = next(csv.reader([header]))
    changed = []
    for record in csv.reader(rows[::every][:count]):
        values = dict(zip(columns, record, strict=True))
        values.update({"Balance": "$0.00", "Stage": "Paid", "Last Modified Date": "11/23/2026 8:05 AM"})
        changed.append(values)
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerows(changed)
    target = home / "landing" / "salesforce" / "NYC_AR_Report_2026-11-23_update.csv"
    target.write_text(out.getvalue() + "\n".join(footer) + "\n", encoding=encoding)
    settled = time.time() - 60
    os.utime(target, (settled, settled))
    return len(changed)


def run_floor(home: Path) -> None:
    """Entry point of the floor subprocess."""
    files = sorted((home / "floor").glob("*.csv"))
    utf8 = [str(f) for f in files if fingerprint(f).is_utf8]
    legacy = [str(f) for f in files if str(f) not in utf8]
    with duckdb.connect(str(home / "floor.duckdb")) as con:
        for statement in FLOOR_SQL.read_text().split(";\n"):
            if statement.strip():
                params = {"utf8_files": utf8, "legacy_files": legacy, "as_of": AS_OF}
                used = {k: v for k, v in params.items() if "$" + k in statement}
                con.execute(statement, used or None)
        print(json.dumps({"invoices": con.execute("select count(*) from ledger").fetchone()[0]}))


BENCH_SERVER = {"shared_buffers": "1GB", "work_mem": "256MB", "maintenance_work_mem": "512MB",
                "max_wal_size": "8GB", "checkpoint_timeout": "15min", "effective_cache_size": "8GB"}
"""The PostgreSQL warehouse's server: durable (fsync on, its defaults), sized for this machine."""


@contextmanager
def postgres_warehouse() -> Iterator[tuple[str, int]]:
    """A server on this machine with an empty `warehouse` database: its URL and its main pid."""
    import psycopg

    from orchestration.storage.engine import CREATE_WITH
    from tests.portal.postgres_server import SERVER_USER, postgres_server

    with contextmanager(postgres_server)(BENCH_SERVER) as server:
        with psycopg.connect(host="127.0.0.1", port=server.port, user=SERVER_USER, dbname="postgres",
                             autocommit=True) as pg:
            pg.execute(f"create database warehouse template template0 {CREATE_WITH}")
        pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        yield f"postgresql://{SERVER_USER}@127.0.0.1:{server.port}/warehouse", pid


COMPARED = ("marts.ar_ledger", "marts.payments", "marts.payment_applications", "marts.collector_worklist",
            "marts.alerts", "marts.account_risk", "outreach.dunning_notices", "outreach.dunning_steps")
"""Tables whose rows the two warehouses should hold alike after the same runs."""
RUN_MOMENTS = {"first_seen_at", "created_at"}
"""Columns holding when a run loaded or drafted a row: the two warehouses' runs ran at different
moments (the e2e test pins the moment and compares them too)."""


def rows_differing(duckdb_file: Path, url: str) -> dict[str, int]:
    """Per table of `COMPARED`, the rows one warehouse holds and the other does not (doubles
    compared to 9 decimals, as the risk features are kept; JSON columns and `RUN_MOMENTS` left
    out, since PostgreSQL's jsonb orders keys its own way: the e2e test compares those)."""
    import psycopg

    from orchestration.storage.engine import PostgresServer
    from orchestration.storage.postgres import pull_table

    con = duckdb.connect()
    with (psycopg.connect(**PostgresServer.from_url(url).conninfo) as pg,
          tempfile.TemporaryDirectory(prefix="ledgerloop-compare-") as scratch):
        for name in COMPARED:
            pull_table(pg, con, name, Path(scratch))
    con.execute(f"attach '{duckdb_file}' as file (read_only)")  # after: a pull looks for its table
    differing = {}
    for name in COMPARED:
        schema, table = name.split(".")
        kinds = con.execute("select column_name, data_type from information_schema.columns "
                            "where table_catalog = 'file' and table_schema = ? and table_name = ?",
                            [schema, table]).fetchall()
        picked = ", ".join(f'round("{c}", 9)' if kind == "DOUBLE" else f'"{c}"'
                           for c, kind in kinds if kind != "JSON" and c not in RUN_MOMENTS)
        here, there = (f"select {picked} from {source}" for source in (f"memory.{name}", f"file.{name}"))
        differing[name] = con.execute(
            f"select count(*) from (({here} except all {there}) union all ({there} except all {here}))"
        ).fetchall()[0][0]
    return differing


def warehouse_runs(home: Path, invoices: int, env: dict[str, str] | None = None,
                   server_pid: int | None = None) -> dict:
    """A first `ledgerloop run` on a cold warehouse, then a refresh with 1% of the invoices changed."""
    command = [str(Path(sys.executable).parent / "ledgerloop"), "run", "--json", "--home", str(home),
               "--as-of", AS_OF.isoformat()]
    first = timed_run(command, env, server_pid)
    changed_rows = changed_export(home, max(1, invoices // 100))
    refresh = timed_run(command, env, server_pid)
    summary = first.summary()
    steps = summary["step_seconds"]
    rows = sum(meta.get("rows_read", 0) for meta in summary["ingest"].values())
    ingest_seconds = sum(steps.get(step, 0) for step in INGEST_STEPS)
    outreach_seconds = sum(v for k, v in steps.items() if is_outreach(k))
    refresh_steps = refresh.summary()["step_seconds"]
    return {
        "rows_ingested": rows,
        "ingest_seconds": round(ingest_seconds, 1),
        "ingest_rows_per_second": round(rows / ingest_seconds),
        "dbt_seconds": round(sum(v for k, v in steps.items() if is_dbt(k)), 1),
        "risk_scores_seconds": round(steps.get(RISK_STEP, 0), 1),
        "outreach_seconds": round(outreach_seconds, 1),
        "checks_seconds": round(sum(v for k, v in steps.items() if not (
            k in INGEST_STEPS or is_dbt(k) or k == RISK_STEP or is_outreach(k))), 1),
        "slowest_outreach_steps": {
            k: round(v, 1) for k, v in sorted(steps.items(), key=lambda kv: -kv[1]) if is_outreach(k)
        },
        "run_seconds_in_dagster": summary["seconds"],
        "end_to_end_seconds": round(first.seconds, 1),
        # A cold warehouse's first run is the month's first: it writes every account's statement,
        # the first-of-month worst case; the graph without that batch is reported beside it.
        "month_statements_seconds": round(steps.get(STATEMENTS_STEP, 0), 1),
        "end_to_end_without_month_statements_seconds": round(
            first.seconds - steps.get(STATEMENTS_STEP, 0), 1),
        "peak_rss_mb": round(first.peak_rss / 2**20),
        "server_peak_pss_mb": round(first.server_peak_pss / 2**20),
        "ledger_invoices": summary["ledger"]["invoices"],
        "refresh_changed_rows": changed_rows,
        "refresh_seconds": round(refresh.seconds, 1),
        "refresh_dbt_seconds": round(sum(v for k, v in refresh_steps.items() if is_dbt(k)), 1),
        "refresh_slowest_steps": {
            k: round(v, 1) for k, v in sorted(refresh_steps.items(), key=lambda kv: -kv[1])[:6]
        },
        "refresh_peak_rss_mb": round(refresh.peak_rss / 2**20),
        "refresh_server_peak_pss_mb": round(refresh.server_peak_pss / 2**20),
        "checks_passed": sum(c["passed"] for c in summary["checks"]),
        "checks_failed": sum(not c["passed"] for c in summary["checks"]),
    }


SIDE_BY_SIDE = (
    ("first run, end to end (s)", "end_to_end_seconds"),
    ("  the month's statements (s)", "month_statements_seconds"),
    ("  without the month's statements (s)", "end_to_end_without_month_statements_seconds"),
    ("  dbt (s)", "dbt_seconds"),
    ("  risk scores outside dbt (s)", "risk_scores_seconds"),
    ("  ingest (s)", "ingest_seconds"),
    ("  people's outputs (s)", "outreach_seconds"),
    ("  checks and the rest (s)", "checks_seconds"),
    ("  peak RSS, pipeline (MB)", "peak_rss_mb"),
    ("  peak PSS, PostgreSQL server (MB)", "server_peak_pss_mb"),
    ("refresh, 1% changed (s)", "refresh_seconds"),
    ("  dbt (s)", "refresh_dbt_seconds"),
    ("  peak RSS, pipeline (MB)", "refresh_peak_rss_mb"),
    ("  peak PSS, PostgreSQL server (MB)", "refresh_server_peak_pss_mb"),
    ("invoices in the ledger", "ledger_invoices"),
    ("checks failed", "checks_failed"),
)


def side_by_side(duck: dict, pg: dict | None, floor_seconds: float) -> str:
    """The two warehouses' figures in columns, with their ratio and the floor's."""
    lines = [f"{'':<36}{'DuckDB file':>14}{'PostgreSQL':>14}{'PG / DuckDB':>13}"]
    for label, key in SIDE_BY_SIDE:
        a, b = duck[key], pg[key] if pg else None
        ratio = f"{b / a:.1f}" if b is not None and a and "seconds" in key else ""
        lines.append(f"{label:<36}{a:>14,}{'' if b is None else f'{b:,}':>14}{ratio:>13}")
    lines.append(f"{'floor, plain DuckDB script (s)':<36}{floor_seconds:>14}")
    for name, figures in (("DuckDB", duck), ("PostgreSQL", pg)):
        if figures:
            lines.append(f"{name}: end to end / floor = {figures['end_to_end_seconds'] / floor_seconds:.1f} "
                         f"({figures['end_to_end_without_month_statements_seconds'] / floor_seconds:.1f} "
                         "without the month's statements), "
                         f"refresh / floor = {figures['refresh_seconds'] / floor_seconds:.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path, default=None, help="work folder (default: a temp dir)")
    parser.add_argument("--warehouse", choices=("both", "duckdb", "postgres"), default="both")
    args = parser.parse_args()
    base = args.home or Path(tempfile.mkdtemp(prefix="ledgerloop-bench-"))
    shutil.rmtree(base, ignore_errors=True)
    duck_home, pg_home = base / "duckdb", base / "postgres"
    settings = Settings(home=duck_home, config_path=REPO_ROOT / "ledgerloop.yaml")

    started = time.monotonic()
    generate_demo(duck_home, settings.policy(), args.invoices, 7, AS_OF, progress=True)
    generate_seconds = time.monotonic() - started
    shutil.copytree(duck_home / "landing" / "salesforce", base / "floor")
    shutil.copytree(duck_home, pg_home)  # the same files, before a run archives them
    floor = timed_run([sys.executable, "-m", "tests.benchmarks.pipeline_bench", "--floor", str(base)])
    results: dict = {
        "invoices": args.invoices,
        "generate_seconds": round(generate_seconds, 1),
        "floor_seconds": round(floor.seconds, 1),
        "floor_peak_rss_mb": round(floor.peak_rss / 2**20),
        "floor_invoices": json.loads(floor.output.strip().splitlines()[-1])["invoices"],
    }
    if args.warehouse in ("both", "duckdb"):
        results["duckdb"] = warehouse_runs(duck_home, args.invoices)
    if args.warehouse in ("both", "postgres"):
        from tests.portal.postgres_server import NO_SERVER, find_bindir

        if find_bindir() is None:
            results["postgres_skipped"] = NO_SERVER
        else:
            with postgres_warehouse() as (url, server_pid):
                env = {**os.environ, "LEDGERLOOP_WAREHOUSE_URL": url}
                results["postgres"] = warehouse_runs(pg_home, args.invoices, env, server_pid)
                if "duckdb" in results:
                    results["rows_differing_between_warehouses"] = rows_differing(
                        duck_home / "warehouse.duckdb", url)
    for figures in (results.get("duckdb"), results.get("postgres")):
        if figures:
            figures["ratio_end_to_end_to_floor"] = round(figures["end_to_end_seconds"] / floor.seconds, 1)
            figures["ratio_without_month_statements_to_floor"] = round(
                figures["end_to_end_without_month_statements_seconds"] / floor.seconds, 1)
            figures["ratio_rss_to_floor"] = round(figures["peak_rss_mb"] / results["floor_peak_rss_mb"], 1)
            figures["ratio_refresh_to_floor"] = round(figures["refresh_seconds"] / floor.seconds, 1)
    (base / "bench.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    if "duckdb" in results:
        print(side_by_side(results["duckdb"], results.get("postgres"), results["floor_seconds"]))
    for name, count in results.get("rows_differing_between_warehouses", {}).items():
        print(f"rows that differ between the warehouses, {name}: {count:,}")
    if "postgres_skipped" in results:
        print(f"PostgreSQL target skipped: {results['postgres_skipped']}")
    print(f"(results in {base / 'bench.json'})")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--floor":
        run_floor(Path(sys.argv[2]))
    else:
        main()
