"""Times on pages in the policy's time zone (`timezone` in ledgerloop.yaml, published by the
pipeline into the store), never in UTC: staff read "14:05 EST", not "19:05 UTC"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


def page_zone(published: Mapping[str, str]) -> ZoneInfo:
    """The zone the pipeline published (`time_zone`), or UTC before the first run."""
    try:
        return ZoneInfo(published.get("time_zone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def team_now(published: Mapping[str, str]) -> dt.datetime:
    """Now in the team's time zone (the policy's, as the pipeline published it): a form's
    "today" is the team's day, as the runs age invoices, not the UTC day (at 20:00 in New York
    the UTC day is already tomorrow, and a promise for today would be refused as in the past)."""
    return _utc_now().astimezone(page_zone(published))


def local_time(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    """`2026-12-05 14:05 EST`: the moment in the zone, with the zone's abbreviation."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def local_date(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    """The moment's date in the zone (a late-evening answer keeps its local day)."""
    return "" if moment is None else moment.astimezone(zone).date().isoformat()
