"""The window the trend sections (aging, KPIs) chart: the last days up to the as-of date."""

from __future__ import annotations

import datetime as dt

TREND_DAYS = 90
"""How far back the trend charts reach from the as-of date."""


def trend_window(as_of: dt.date, trend_days: int) -> dict[str, dt.date]:
    """The query parameters `$start` and `$as_of`: `trend_days` days ending on `as_of`."""
    return {"start": as_of - dt.timedelta(days=trend_days - 1), "as_of": as_of}
