"""A synthetic feature panel shaped like `intermediate.int_account_risk_features`: one row per
(account, month-end) plus the run's as-of row (`is_current`), `f_*` features, labels and the
naive baseline's last days late.

Each account has a latent lateness that drifts from month to month; its next invoice's days late
is that lateness plus noise. The features average the recent past (what the model sees); the
baseline sees only the last invoice (one noisy draw), so a fitted model should beat it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

THRESHOLD = 30


def month_ends(first: dt.date, count: int) -> list[dt.date]:
    return [(pd.Timestamp(first) + pd.offsets.MonthEnd(i)).date() for i in range(1, count + 1)]


def panel(
    accounts: int = 300,
    months: int = 24,
    seed: int = 1,
    as_of: dt.date = dt.date(2026, 11, 23),
    constant_feature: bool = False,
) -> pd.DataFrame:
    """History rows for `months` month-ends before `as_of`, then one current row per account."""
    rng = np.random.default_rng(seed)
    dates = [d for d in month_ends(as_of - dt.timedelta(days=31 * (months + 1)), months + 1) if d < as_of]
    dates = dates[-months:] + [as_of]
    base = rng.normal(10, 25, accounts)
    drift = rng.normal(0, 1.5, accounts)
    history = [list(base + rng.normal(0, 15, accounts)) for _ in range(6)]
    rows = []
    for i, day in enumerate(dates):
        latent = base + drift * i
        recent = np.array(history[-6:])
        last = recent[-1]
        days_late = latent + rng.normal(0, 30, accounts)
        is_current = day == as_of
        for a in range(accounts):
            label = None if is_current else float(round(days_late[a]))
            rows.append(
                {
                    "account_id": f"A{a:05d}",
                    "as_of": day,
                    "is_current": is_current,
                    "f_days_late_mean": float(recent[:, a].mean()),
                    "f_days_late_trend": float(recent[-3:, a].mean() - recent[:3, a].mean()),
                    "f_share_late": float((recent[:, a] > THRESHOLD).mean()),
                    "f_open_balance": float(abs(rng.normal(1000, 300))),
                    **({"f_constant": 1.0} if constant_feature else {}),
                    "label_days_late": label,
                    "label_is_late": None if label is None else label > THRESHOLD,
                    "baseline_last_days_late": float(round(last[a])),
                }
            )
        history.append(list(days_late))
    frame = pd.DataFrame(rows)
    frame["label_is_late"] = frame["label_is_late"].astype("boolean")
    frame["label_days_late"] = frame["label_days_late"].astype("Float64")
    return frame
