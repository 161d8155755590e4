"""`ledgerloop run` as a person or a cron job starts it: progress on stderr from the first second,
a line per step, none of dbt's own lines, and stdout holding only the summary (`--json`: one
JSON document)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.demo import generate_demo
from orchestration.settings import REPO_ROOT, Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]
AS_OF = dt.date(2026, 11, 23)
STEP_LINE = re.compile(r"^\[\d+:\d\d\] +(\d+)/(\d+) ")
DBT_LINES = ("Running with dbt", "START sql", "Finished running", "Completed successfully")


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: list[tuple[float, str]]  # (seconds after start, line)
    seconds: float


def run_cli(*args: str, env: dict | None = None) -> Finished:
    """Run `ledgerloop` with stdout and stderr piped (not a terminal), timing each stderr line."""
    command = [str(Path(sys.executable).parent / "ledgerloop"), *args]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=REPO_ROOT, env=env)
    stderr: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: stderr.extend(
        (time.monotonic() - started, line.rstrip("\n")) for line in process.stderr))
    reader.start()
    stdout = process.stdout.read()
    process.wait(timeout=800)
    reader.join(timeout=10)
    return Finished(process.returncode, stdout, stderr, time.monotonic() - started)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("run_cli")
    settings = Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml")
    generate_demo(home, settings.policy(), 200, 7, AS_OF, progress=False)
    return home


@pytest.fixture(scope="module")
def first_run(home) -> Finished:
    return run_cli("run", "--json", "--home", str(home), "--as-of", AS_OF.isoformat())


def test_run_says_something_within_its_first_seconds(first_run):
    seconds, line = first_run.stderr[0]
    assert line.startswith("[0:00] ")
    assert seconds < 5, f"first line after {seconds:.1f} s: {line}"  # ~0.3 s on a quiet machine


def test_run_prints_a_numbered_line_for_every_step(first_run):
    lines = [line for _, line in first_run.stderr]
    planned = next(int(m[1]) for line in lines if (m := re.search(r"Running (\d+) steps", line)))
    numbered = [STEP_LINE.match(line) for line in lines]
    done = sorted(int(m[1]) for m in numbered if m)
    assert done == list(range(1, planned + 1)), "\n".join(lines)
    assert any("Salesforce invoices: " in line and "rows taken in" in line for line in lines)


def test_run_keeps_stdout_for_the_summary_alone(first_run):
    summary = json.loads(first_run.stdout)  # fails when dbt's lines are mixed in
    assert summary["success"] is True, first_run.stdout
    assert summary["as_of"] == AS_OF.isoformat()
    assert first_run.returncode == 0


def test_run_shows_dbt_and_dagster_log_lines_only_when_verbose(first_run):
    text = first_run.stdout + "\n".join(line for _, line in first_run.stderr)
    assert [marker for marker in (*DBT_LINES, " - dagster - ") if marker in text] == []


def test_a_refresh_with_nothing_new_says_so_in_a_second_and_anything_new_runs(home, first_run):
    assert first_run.returncode == 0
    again = run_cli("run", "--home", str(home), "--as-of", AS_OF.isoformat())
    assert again.returncode == 0
    assert again.stdout.startswith("Nothing new since the refresh of "), again.stdout
    assert again.seconds < 10, f"{again.seconds:.1f} s to find nothing new"  # ~1 s on a quiet machine

    archived = next((home / "archive" / "salesforce").rglob("*.csv"))
    shutil.copy2(archived, home / "landing" / "salesforce" / "re-sent.csv")  # settled: its old mtime
    new_file = json.loads(run_cli("run", "--json", "--home", str(home), "--as-of", AS_OF.isoformat()).stdout)
    assert new_file.get("skipped") is None and new_file["success"] is True
    assert new_file["ingest"]["salesforce/invoices"]["files_skipped_as_duplicates"] == 1

    forced = run_cli("run", "--json", "--force", "--home", str(home), "--as-of", AS_OF.isoformat())
    assert json.loads(forced.stdout).get("skipped") is None and forced.returncode == 0
    next_day = run_cli("run", "--json", "--home", str(home), "--as-of", "2026-11-24")
    assert json.loads(next_day.stdout).get("skipped") is None and next_day.returncode == 0
    # A new day is not a new project: dbt parses only what changed (the day is no dbt var), and
    # every model, the Python ones too, still builds for that day.
    last_dbt = (home / "dbt" / "target" / "dbt.log").read_text().split("Running with dbt=")[-1]
    assert "Unable to do partial parsing" not in last_dbt
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        days = con.execute("select (select list(distinct as_of) from marts.account_risk), "
                           "(select list(distinct as_of_date) from marts.ar_ledger)").fetchone()
    assert days == ([dt.date(2026, 11, 24)], [dt.date(2026, 11, 24)])


def test_the_run_keeps_dbt_artifacts_in_one_folder_and_leaves_unit_tests_to_make_test(home, first_run):
    target = home / "dbt" / "target"
    assert (target / "partial_parse.msgpack").exists()  # the next run parses only what changed
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert results and not [r["unique_id"] for r in results if r["unique_id"].startswith("unit_test.")]
    assert any(r["unique_id"].startswith("test.") for r in results)  # data tests still run


def test_dbt_s_log_file_is_plain_lines_without_each_statement_s_sql(home, first_run):
    log = (home / "dbt" / "target" / "dbt.log").read_text()
    assert "Completed successfully" in log and not log.lstrip().startswith("{")
    assert "SQL status" not in log  # one debug line per statement at dbt's default
