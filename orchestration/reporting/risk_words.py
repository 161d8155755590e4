"""A risk driver as a person reads it: what the feature says about the account, with its value,
and which way it moves the risk; never the feature's code or log-odds."""

from __future__ import annotations

FEATURES = {
    "f_days_late_mean": "paid {value} days late on average",
    "f_days_late_trend": "paying {value} days later than before",
    "f_share_paid_late": "{percent} of invoices paid late",
    "f_settled_invoices": "{value} invoices settled",
    "f_has_payment_history": "payment history",
    "f_has_trend": "a trend in lateness",
    "f_open_balance": "open balance {value}",
    "f_open_balance_change_90d": "open balance changed {percent} in 90 days",
    "f_open_past_due_count": "{value} invoices past due",
    "f_max_days_past_due": "oldest invoice {value} days past due",
    "f_disputes_365d": "{value} disputes in a year",
    "f_broken_promises_365d": "{value} broken promises in a year",
    "f_plan_behind": "a payment plan behind",
    "f_tenure_days": "customer for {value} days",
    "f_invoices_last_90d": "{value} invoices in 90 days",
    "f_invoice_volume_change": "invoice volume changed {percent}",
    "fallback_prior": "too little history: the team's usual late rate",
}
"""What a risk feature means, in words; `{value}` and `{percent}` take the account's value."""



def driver_in_words(feature: str, value: object, contribution: float) -> str:
    """`paid 82 days late on average (raises the risk)`; a feature without words is named by its
    code without the prefix and underscores."""
    number = float(value) if isinstance(value, int | float) else None
    shown = f"{value}" if number is None else f"{number:,.0f}" if abs(number) >= 10 else f"{number:.3g}"
    percent = f"{number * 100:.0f}%" if number is not None else f"{value}"
    words = FEATURES.get(feature, feature.removeprefix("f_").replace("_", " ") + " {value}")
    effect = "raises the risk" if contribution > 0 else "lowers the risk" if contribution < 0 else "neutral"
    return f"{words.format(value=shown, percent=percent)} ({effect})"
