"""`make bench`: the fast loop on the 5,000-invoice demo, each figure beside the plain-DuckDB floor
measured in the same run: a first `ledgerloop run`, a refresh with nothing new, a refresh with one
new export file, and answers from the portal reaching the collectors' read model while
`ledgerloop serve` runs (the daemon's sensor starts the answer loop). Not a timed test."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.demo import generate_demo
from orchestration.settings import REPO_ROOT, Settings
from tests.benchmarks.pipeline_bench import AS_OF, timed_subprocess

ANSWER_TIMEOUT_SECONDS = 300
TARGETS = {"first run": 20, "refresh, nothing new": 5, "refresh, one new export": 10}


def ledgerloop(home: Path, *args: str) -> tuple[float, int, dict]:
    command = [str(Path(sys.executable).parent / "ledgerloop"), "run", "--json", "--home", str(home),
               "--as-of", AS_OF.isoformat(), *args]
    seconds, rss, output = timed_subprocess(command)
    return seconds, rss, json.loads(output.strip().splitlines()[-1])


def one_new_export(home: Path, n: int = 1) -> None:
    """A new export: the newest one again, saved once more (other bytes for each `n`, the same
    rows), so every row is read, checked and deduplicated again, as when Salesforce sends its
    weekly export."""
    newest = max((home / "archive" / "salesforce").rglob("*.csv"), key=lambda p: p.name)
    target = home / "landing" / "salesforce" / f"resent-{n}.csv"
    target.write_bytes(newest.read_bytes() + b"\r\n" * n)
    stamp = time.time() - 60  # settled
    os.utime(target, (stamp, stamp))


def answer_targets(home: Path, count: int) -> list[tuple[str, str, str, str]]:
    """(invoice, account, collector, their email) of `count` open invoices with a collector,
    read before `serve` starts: a run holds the warehouse file for as long as it runs."""
    settings = Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml")
    collectors = {m.name: m.email for m in settings.policy().team.collectors}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select invoice_key, account_id, collector from marts.ar_ledger where status = 'open' "
            "and account_id is not null and collector = any($c) order by invoice_key limit $n",
            {"c": list(collectors), "n": count}).fetchall()
    return [(invoice, account, collector, collectors[collector]) for invoice, account, collector in rows]


def answer_once(home: Path, n: int, target: tuple[str, str, str, str]) -> float:
    """Seconds from a collector's promise being stored to its line on the account's timeline in
    the portal store, with `ledgerloop serve` running (its sensor starts the answer loop)."""
    from orchestration.outreach.portal_store import open_store
    from portal.store import account_events, collector_entries
    from portal.store.collector_entries import NewEntry

    invoice_key, account_id, collector, email = target
    amount = Decimal(100 + n)
    started = time.monotonic()
    with open_store(home) as store:
        collector_entries.record(store, NewEntry(
            f"bench-{n}", email, collector, "promise", account_id, invoice_key, None, None,
            "USD", amount, AS_OF + dt.timedelta(days=2), None, None, None, None, None,
            dt.datetime.combine(AS_OF, dt.time(15), dt.UTC)))
        while time.monotonic() - started < ANSWER_TIMEOUT_SECONDS:
            if any(e.kind == "promise_made" and e.amount == amount
                   for e in account_events.timeline(store, account_id)):
                return time.monotonic() - started
            time.sleep(0.25)
    raise SystemExit(f"answer {n} was not on the timeline of {account_id} after {ANSWER_TIMEOUT_SECONDS} s")


class ExportsLanding:
    """While answers are timed, a new export lands every `every` seconds, so the landing sensor
    starts refreshes and an answer may wait behind one (the warehouse takes one run at a time)."""

    def __init__(self, home: Path, every: float = 30) -> None:
        self.home, self.every, self.dropped = home, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._land, name="exports-landing", daemon=True)

    def _land(self) -> None:
        while not self._stop.wait(self.every):
            self.dropped += 1
            one_new_export(self.home, 100 + self.dropped)

    def __enter__(self) -> ExportsLanding:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def answers_while_serving(home: Path, count: int) -> tuple[list[float], int]:
    """`ledgerloop serve` (the Dagster daemon's sensors and schedules, the portal) on free ports,
    and `count` answers one after another while exports land, each timed until the collectors'
    read model shows it; with the number of exports that landed meanwhile."""
    targets = answer_targets(home, count)
    ports = [_free_port(), _free_port()]
    command = [str(Path(sys.executable).parent / "ledgerloop"), "serve", "--home", str(home),
               "--port", str(ports[0]), "--portal-port", str(ports[1])]
    serve = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        _wait_for(f"http://127.0.0.1:{ports[0]}/server_info")
        with ExportsLanding(home) as landing:
            return [answer_once(home, n, target) for n, target in enumerate(targets)], landing.dropped
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=5_000)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--home", type=Path, default=None, help="work folder (default: a temp dir)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="ledgerloop-loop-bench-"))
    shutil.rmtree(home, ignore_errors=True)
    generate_demo(home, Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml").policy(),
                  args.invoices, 7, AS_OF, progress=False)
    shutil.copytree(home / "landing" / "salesforce", home / "floor")

    rows = {}
    rows["first run"] = ledgerloop(home)
    rows["refresh, nothing new"] = ledgerloop(home)
    one_new_export(home)
    rows["refresh, one new export"] = ledgerloop(home)
    floor_seconds, floor_rss, _ = timed_subprocess(
        [sys.executable, "-m", "tests.benchmarks.pipeline_bench", "--floor", str(home)])
    answers, exports_landed = answers_while_serving(home, args.answers)
    answers.sort()
    p95 = answers[max(0, round(0.95 * len(answers)) - 1)]

    print(f"{args.invoices:,} invoices (demo seed 7, as of {AS_OF}); floor: plain DuckDB, same files\n")
    print(f"{'':<34}{'seconds':>9}{'target':>8}{'x floor':>9}{'peak RSS':>10}  notes")
    for name, (seconds, rss, summary) in rows.items():
        note = "skipped: nothing new" if summary.get("skipped") else (
            f"dbt {summary['step_seconds'].get('ledgerloop_dbt_models', 0):.1f} s")
        print(f"{name:<34}{seconds:>9.1f}{TARGETS[name]:>8}{seconds / floor_seconds:>9.1f}"
              f"{rss / 2**20:>8.0f}MB  {note}")
    print(f"{'answer -> collector list, p95':<34}{p95:>9.1f}{60:>8}{'':>9}{'':>10}  "
          f"{len(answers)} answers through `ledgerloop serve` while {exports_landed} exports landed, "
          f"one every 30 s: median {statistics.median(answers):.1f} s, max {answers[-1]:.1f} s")
    print(f"{'plain DuckDB floor':<34}{floor_seconds:>9.1f}{'':>8}{1:>9.1f}{floor_rss / 2**20:>8.0f}MB")
    (home / "loop_bench.json").write_text(json.dumps({
        "invoices": args.invoices, "floor_seconds": floor_seconds,
        **{name: {"seconds": s, "peak_rss_mb": r / 2**20} for name, (s, r, _) in rows.items()},
        "answer_seconds": answers, "exports_landed_meanwhile": exports_landed,
    }, indent=1))


if __name__ == "__main__":
    main()
