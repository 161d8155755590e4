"""The demo's payment behaviours: recorded per account in the truth, and visible in the files the
pipeline reads (the Last Modified Date of paid rows in the Salesforce exports)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import statistics
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from orchestration.demo import generate_demo
from orchestration.demo.behaviour import BEHAVIOURS, assign_behaviours, expected_days_late
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT

AS_OF = dt.date(2026, 11, 9)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("behaviour")
    generate_demo(home, load_policy(REPO_ROOT / "ledgerloop.yaml"), 6000, 5, AS_OF, progress=False)
    return home


def parse_date(text: str) -> dt.date:
    if "-" in text[:10]:
        return dt.date.fromisoformat(text[:10])
    month, day, year = map(int, text.split(" ")[0].split("/"))
    return dt.date(year, month, day)


def days_late_by_account(home: Path) -> dict[str, list[int]]:
    """Days from due date to Last Modified Date of every paid row in the oldest exports (where
    most paid invoices first appear paid), per account id."""
    late: dict[str, dict[str, int]] = defaultdict(dict)
    folder = home / "landing" / "salesforce"
    for path in sorted(folder.glob("*.csv")):
        encoding = "utf-8" if "NYC" in path.name else "cp1252"
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = path.read_text(encoding=encoding)
        rows = csv.DictReader(
            line for line in text.splitlines() if line.startswith('"') and line.count(",") > 10
        )
        for row in rows:
            balance = row["Balance"].lstrip("$£USDGBP ")
            if balance not in ("0.00", "0") or not row["Last Modified Date"] or not row["Due Date"]:
                continue
            try:
                paid = parse_date(row["Last Modified Date"])
                due = parse_date(row["Due Date"])
            except ValueError:
                continue  # a row the demo spoiled on purpose
            number = re.sub(r"[^0-9]", "", row["Invoice Number"]).lstrip("0")
            late[row["Account ID"]].setdefault(number, (paid - due).days)
    return {account: list(by_invoice.values()) for account, by_invoice in late.items()}


def test_demo_truth_records_each_accounts_behaviour(home):
    with (home / "demo" / "truth" / "account_behaviour.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["behaviour"] for r in rows} == set(BEHAVIOURS)
    drifting = [r for r in rows if r["behaviour"] == "drifting"]
    assert all(r["drift_start_on"] and float(r["drift_days_per_month"]) > 0 for r in drifting)
    seasonal = [r for r in rows if r["behaviour"] == "seasonal"]
    assert all(2 <= len(r["slow_months"].split()) <= 3 for r in seasonal)
    assert all(not r["slow_months"] for r in rows if r["behaviour"] != "seasonal")


def test_demo_paid_dates_in_the_exports_follow_the_behaviour(home):
    with (home / "demo" / "truth" / "account_behaviour.csv").open(encoding="utf-8") as handle:
        behaviour = {r["account_id"]: r["behaviour"] for r in csv.DictReader(handle)}
    observed = days_late_by_account(home)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for account, lates in observed.items():
        by_kind[behaviour[account]].extend(lates)
    means = {kind: statistics.mean(values) for kind, values in by_kind.items()}
    assert means["steady"] < 10 < means["seasonal"] < means["chronic"], means
    assert means["chronic"] > 35, means
    assert statistics.mean(abs(v - means["steady"]) for v in by_kind["steady"]) < 8  # consistent


def test_drifting_payers_pay_later_the_closer_to_now():
    rng = np.random.default_rng(3)
    behaviours = assign_behaviours(rng, 400, 600)
    drifting = np.flatnonzero(behaviours.kind == BEHAVIOURS.index("drifting"))
    early = expected_days_late(behaviours, drifting, np.full(len(drifting), -400), AS_OF)
    recent = expected_days_late(behaviours, drifting, np.full(len(drifting), -5), AS_OF)
    assert (recent - early > 20).all()
    steady = np.flatnonzero(behaviours.kind == BEHAVIOURS.index("steady"))
    assert np.allclose(
        expected_days_late(behaviours, steady, np.full(len(steady), -400), AS_OF),
        expected_days_late(behaviours, steady, np.full(len(steady), -5), AS_OF),
    )


def test_seasonal_payers_are_late_only_in_their_slow_months():
    rng = np.random.default_rng(4)
    behaviours = assign_behaviours(rng, 400, 600)
    seasonal = np.flatnonzero(behaviours.kind == BEHAVIOURS.index("seasonal"))
    days = np.arange(-364, 1)
    for account in seasonal[:20].tolist():
        late = expected_days_late(behaviours, np.full(len(days), account), days, AS_OF)
        months = {
            (AS_OF + dt.timedelta(days=int(d))).strftime("%b")
            for d, x in zip(days, late, strict=True)
            if x > behaviours.base_days_late[account] + 1
        }
        assert months == set(behaviours.slow_month_names()[account].split())
