"""Payment-risk benchmark: fit and score N accounts the way `marts.account_risk` does.

Builds a feature panel shaped like `int_account_risk_features` (N accounts x M month-ends of
history plus one current row each, vectorized), then times, in this process:
fitting (training rows selected, standardized, sampled down to `risk.max_training_rows`),
scoring the N current rows with their drivers (JSON per row), and writing them into DuckDB with
the same SQL the dbt Python model uses. Prints throughput and peak memory (max RSS).

    python -m tests.benchmarks.risk_bench [--accounts 100000] [--months 24]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import time

import duckdb
import numpy as np
import pandas as pd

from orchestration.policy.risk import Risk
from orchestration.risk.model import feature_columns, fit, training_rows
from orchestration.risk.score import score

AS_OF = dt.date(2026, 11, 23)
FEATURES = 16  # about as many as int_account_risk_features has


def feature_panel(accounts: int, months: int, seed: int = 7) -> pd.DataFrame:
    """History rows for `months` month-ends before AS_OF and one current row per account."""
    rng = np.random.default_rng(seed)
    ends = [(pd.Timestamp(AS_OF) - pd.offsets.MonthEnd(i)).date() for i in range(months, 0, -1)]
    dates = np.repeat(np.array(ends + [AS_OF], dtype="datetime64[D]"), accounts)
    rows = len(dates)
    lateness = np.tile(rng.normal(10, 25, accounts), months + 1) + rng.normal(0, 10, rows)
    data = {
        "account_id": np.tile(np.array([f"ACC{i:09d}" for i in range(accounts)]), months + 1),
        "as_of": dates,
        "is_current": dates == np.datetime64(AS_OF),
        "f_days_late_mean": lateness,
    }
    for j in range(1, FEATURES):
        data[f"f_feature_{j:02d}"] = rng.normal(0, 1, rows) + (lateness / 50 if j % 3 == 0 else 0)
    frame = pd.DataFrame(data)
    late = lateness + rng.normal(0, 20, rows) > 30
    frame["label_days_late"] = np.where(frame["is_current"], np.nan, lateness)
    frame["label_is_late"] = pd.array(np.where(frame["is_current"], None, late), dtype="boolean")
    frame["label_known_on"] = frame["as_of"] + pd.Timedelta(days=45)
    frame["baseline_last_days_late"] = lateness + rng.normal(0, 20, rows)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    config = Risk()

    cpu = [time.process_time()]
    started = time.perf_counter()
    frame = feature_panel(args.accounts, args.months)
    built = time.perf_counter()
    cpu.append(time.process_time())

    features = feature_columns(frame, config)
    train = training_rows(frame, AS_OF, config)
    model = fit(train, features, config)
    fitted = time.perf_counter()
    cpu.append(time.process_time())

    current = frame.loc[frame["is_current"]]
    scored = score(model, current, config)
    scored_at = time.perf_counter()
    cpu.append(time.process_time())

    with duckdb.connect() as con:
        con.register("account_risk_scored", scored)
        con.execute(
            "create table account_risk as select cast(account_id as varchar) as account_id, "
            "cast(as_of as date) as as_of, risk_score, risk_band, cast(drivers as json) as drivers, "
            "top_driver, intercept, model_version from account_risk_scored"
        )
        (written,) = con.execute("select count(*) from account_risk").fetchone()
    written_at = time.perf_counter()
    cpu.append(time.process_time())

    assert written == args.accounts and not model.is_fallback
    first = json.loads(scored["drivers"].iloc[0])
    assert (
        abs(
            model.intercept
            + sum(d["contribution"] for d in first)
            - np.log(scored["risk_score"].iloc[0] / (1 - scored["risk_score"].iloc[0]))
        )
        < 1e-9
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    score_seconds = scored_at - fitted
    load = os.getloadavg()[0]
    print(
        f"risk bench: {args.accounts:,} accounts, {len(frame):,} feature rows ({len(train):,} trainable, "
        f"fitted on {min(len(train), config.max_training_rows):,}), {len(model.features)} features; "
        f"{os.cpu_count()} cores, load average {load:.1f} when done"
    )
    print(f"  {'phase':<22}{'wall s':>8}{'CPU s':>8}")
    phases = [
        ("panel built (set-up)", built - started, cpu[1] - cpu[0]),
        ("fit", fitted - built, cpu[2] - cpu[1]),
        ("score + drivers", score_seconds, cpu[3] - cpu[2]),
        ("write to DuckDB", written_at - scored_at, cpu[4] - cpu[3]),
        ("fit + score + write", written_at - built, cpu[4] - cpu[1]),
    ]
    for name, wall, cpu_seconds in phases:
        print(f"  {name:<22}{wall:>8.2f}{cpu_seconds:>8.2f}")
    print(f"  scoring throughput {args.accounts / score_seconds:,.0f} accounts/s (target: 100k in <= 10 s)")
    print(f"  peak memory (max RSS) {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
