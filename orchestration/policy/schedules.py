"""`schedules:`: when the people-facing lists are made."""

from __future__ import annotations

import datetime as dt

from orchestration.policy._base import PolicyModel


class Schedules(PolicyModel):
    """When the people-facing lists are made, beyond the refresh every 15 minutes."""

    daily_at: dt.time = dt.time(7, 0)
    """Local time (policy `timezone`) of the daily run that makes the day's worklists, workload
    view and alerts, even when the 15-minute refresh is switched off."""
