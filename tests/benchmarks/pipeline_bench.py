"""`make bench`: 1M invoices through `ledgerloop run`, beside the same work as one plain DuckDB
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
from pathlib import Path

import duckdb
import psutil

from orchestration.demo import generate_demo
from orchestration.ingest.landing import fingerprint
from orchestration.settings import REPO_ROOT, Settings

AS_OF = dt.date(2026, 11, 23)
FLOOR_SQL = Path(__file__).with_name("floor.sql")
INGEST_STEPS = ("salesforce__invoices", "tracker__invoices", "payments__transactions", "history__invoices",
                "portal__director_updates", "portal__collector_entries", "dagster__check_failures")
PUBLISH_STEPS = ("portal__director_jobs", "portal__collector_worklists", "portal__customer_accounts")
"""Everything people receive: the portal's read models, drafts (outbox__*) and exports (exports__*)."""


def is_outreach(step: str) -> bool:
    return step in PUBLISH_STEPS or step.startswith(("outbox__", "exports__"))


class PeakRss:
    """Samples the summed RSS of a process and all its children until stopped."""

    def __init__(self, pid: int):
        self.process, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                continue

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed_subprocess(command: list[str]) -> tuple[float, int, str]:
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    rss = PeakRss(process.pid)
    output, _ = process.communicate()
    seconds, peak = time.monotonic() - started, rss.stop()
    if process.returncode != 0:
        raise SystemExit(f"{command[:3]} failed with exit code {process.returncode}:\n{output[-2000:]}")
    return seconds, peak, output


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path, default=None, help="work folder (default: a temp dir)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="ledgerloop-bench-"))
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml")

    started = time.monotonic()
    generate_demo(home, settings.policy(), args.invoices, 7, AS_OF, progress=True)
    generate_seconds = time.monotonic() - started
    shutil.copytree(home / "landing" / "salesforce", home / "floor")
    bin_dir = Path(sys.executable).parent

    run_seconds, run_rss, output = timed_subprocess(
        [str(bin_dir / "ledgerloop"), "run", "--json", "--home", str(home), "--as-of", AS_OF.isoformat()]
    )
    summary = json.loads(output.strip().splitlines()[-1])
    changed_rows = changed_export(home, max(1, args.invoices // 100))  # 1% of the invoices
    refresh_seconds, refresh_rss, refresh_output = timed_subprocess(
        [str(bin_dir / "ledgerloop"), "run", "--json", "--home", str(home), "--as-of", AS_OF.isoformat()]
    )
    refresh = json.loads(refresh_output.strip().splitlines()[-1])
    floor_seconds, floor_rss, floor_output = timed_subprocess(
        [sys.executable, "-m", "tests.benchmarks.pipeline_bench", "--floor", str(home)]
    )
    steps = summary["step_seconds"]
    rows = sum(meta.get("rows_read", 0) for meta in summary["ingest"].values())
    ingest_seconds = sum(steps.get(step, 0) for step in INGEST_STEPS)
    outreach_seconds = sum(v for k, v in steps.items() if is_outreach(k))
    results = {
        "invoices": args.invoices,
        "rows_ingested": rows,
        "generate_seconds": round(generate_seconds, 1),
        "ingest_seconds": round(ingest_seconds, 1),
        "ingest_rows_per_second": round(rows / ingest_seconds),
        "dbt_seconds": round(steps["ledgerloop_dbt_models"], 1),
        "outreach_seconds": round(outreach_seconds, 1),
        "checks_seconds": round(sum(v for k, v in steps.items() if k not in (
            *INGEST_STEPS, "ledgerloop_dbt_models") and not is_outreach(k)), 1),
        "slowest_outreach_steps": {
            k: round(v, 1) for k, v in sorted(steps.items(), key=lambda kv: -kv[1]) if is_outreach(k)
        },
        "run_seconds_in_dagster": summary["seconds"],
        "end_to_end_seconds": round(run_seconds, 1),
        "peak_rss_mb": round(run_rss / 2**20),
        "floor_seconds": round(floor_seconds, 1),
        "floor_peak_rss_mb": round(floor_rss / 2**20),
        "floor_invoices": json.loads(floor_output.strip().splitlines()[-1])["invoices"],
        "ledger_invoices": summary["ledger"]["invoices"],
        "ratio_end_to_end_to_floor": round(run_seconds / floor_seconds, 1),
        "ratio_rss_to_floor": round(run_rss / floor_rss, 1),
        "refresh_changed_rows": changed_rows,
        "refresh_seconds": round(refresh_seconds, 1),
        "refresh_dbt_seconds": round(refresh["step_seconds"]["ledgerloop_dbt_models"], 1),
        "refresh_slowest_steps": {
            k: round(v, 1) for k, v in sorted(refresh["step_seconds"].items(), key=lambda kv: -kv[1])[:6]
        },
        "refresh_peak_rss_mb": round(refresh_rss / 2**20),
        "ratio_refresh_to_floor": round(refresh_seconds / floor_seconds, 1),
        "checks_passed": sum(c["passed"] for c in summary["checks"]),
        "checks_failed": sum(not c["passed"] for c in summary["checks"]),
    }
    (home / "bench.json").write_text(json.dumps(results, indent=2))
    width = max(map(len, results))
    print("\n".join(f"{k:<{width}}  {v}" for k, v in results.items()))
    print(f"(results in {home / 'bench.json'})")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--floor":
        run_floor(Path(sys.argv[2]))
    else:
        main()
